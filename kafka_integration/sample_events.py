"""Realistic client events for demos, tests and benchmarks (`produce_sample_events`).

Deterministic for a given seed, so a benchmark or a test can be re-run on the same data.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from datetime import date, timedelta

FIRST_NAMES = [
    "Amélie",
    "Jonas",
    "Sofia",
    "Liam",
    "Chiara",
    "Mateo",
    "Nora",
    "Lucas",
    "Ines",
    "Emil",
]
LAST_NAMES = [
    "Dubois",
    "Schmidt",
    "Rossi",
    "García",
    "Novak",
    "Jensen",
    "Silva",
    "Müller",
    "Moreau",
]
COUNTRIES = ["FR", "DE", "IT", "ES", "NL", "BE", "LU", "IE", "PT", "AT"]
CITIES = ["Paris", "Berlin", "Milano", "Madrid", "Amsterdam", "Bruxelles", "Luxembourg", "Dublin"]
SECTORS = ["Retail", "Fintech", "Logistics", "Manufacturing", "Consulting", "Hospitality"]
ROLES = ["Director", "CEO", "CFO", "Secretary", None]
CONTROLS = ["SHARES", "VOTING_RIGHTS", "BOARD_APPOINTMENT", "OTHER_SIGNIFICANT_INFLUENCE"]


def _person(rng: random.Random, with_role: bool) -> dict:
    birthdate = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50))
    person = {
        "firstname": rng.choice(FIRST_NAMES),
        "lastname": rng.choice(LAST_NAMES),
        "birthdate": birthdate.isoformat(),
    }
    if with_role:
        person["role_in_company"] = rng.choice(ROLES)
    return person


def kyc_event(rng: random.Random, index: int) -> dict:
    return {
        "client_id": f"CLI-{index:08d}",
        "version": "1.0",
        "type": rng.choice(
            ["INDIVIDUAL_STANDARD", "INDIVIDUAL_STANDARD", "ENHANCED_DUE_DILIGENCE"]
        ),
        "traitement_type": rng.choice(["KYC", "kyc"]),
        "persons": [_person(rng, False) for _ in range(rng.choice([1, 1, 2]))],
    }


def kyb_event(rng: random.Random, index: int) -> dict:
    country = rng.choice(COUNTRIES)
    founded = date(1980, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
    owners = []
    for _ in range(rng.randint(1, 3)):
        owners.append(
            {
                "person_details": _person(rng, True),
                "ownership_percentage": round(rng.uniform(5, 60), 2),
                "types_of_control": rng.sample(CONTROLS, k=rng.randint(1, 2)),
                "is_ubo": rng.random() < 0.6,
            }
        )
    return {
        "client_id": f"CLI-{index:08d}",
        "version": "1.0",
        "type": rng.choice(["COMPANY_STANDARD", "COMPANY_STANDARD", "ENHANCED_DUE_DILIGENCE"]),
        "traitement_type": "KYB",
        "persons": [_person(rng, True) for _ in range(rng.randint(1, 3))],
        "company_profile": {
            "registered_name": f"{rng.choice(LAST_NAMES)} {rng.choice(SECTORS)} {index}",
            "trading_name": None,
            "registration_number": f"{country}-{rng.randrange(10**8, 10**9)}",
            "registration_date": founded.isoformat(),
            "country_of_incorporation": country,
            "registered_address": {
                "street": f"{rng.randint(1, 200)} Main Street",
                "city": rng.choice(CITIES),
                "postal_code": str(rng.randint(10000, 99999)),
                "country": country,
            },
            "business_type": rng.choice(["SARL", "GmbH", "SpA", "BV", "Ltd"]),
            "industry_sector": rng.choice(SECTORS),
        },
        "beneficial_owners": owners,
    }


INVALID_BODIES = [
    b'{"client_id": "broken", "version": "1.0", "type": "X"',  # truncated JSON
    b"\xff\xfe not utf-8",
    b"[1, 2, 3]",
    json.dumps(
        {"client_id": "v2", "version": "2.0", "type": "X", "traitement_type": "KYC", "persons": []}
    ).encode(),
    json.dumps(
        {
            "client_id": "kyb-no-company",
            "version": "1.0",
            "type": "COMPANY_STANDARD",
            "traitement_type": "KYB",
            "persons": [],
        }
    ).encode(),
]


def sample_event(
    rng: random.Random, index: int, kyb_ratio: float, invalid_ratio: float
) -> tuple[bytes, bytes]:
    """(key, value) of the index-th sample record."""
    key = f"CLI-{index:08d}".encode()
    if rng.random() < invalid_ratio:
        return key, rng.choice(INVALID_BODIES)
    event = kyb_event(rng, index) if rng.random() < kyb_ratio else kyc_event(rng, index)
    return key, json.dumps(event, ensure_ascii=False).encode("utf-8")


# --- Client updates (SPEC §3b) ----------------------------------------------------------------


def changed_client(rng: random.Random, event: dict) -> dict:
    """The same client re-published with one realistic change."""
    changed = copy.deepcopy(event)
    if changed["traitement_type"] != "KYB":
        if rng.random() < 0.5 or changed["type"] == "ENHANCED_DUE_DILIGENCE":
            changed["persons"].append(_person(rng, False))  # a joint account holder joins
        else:  # the risk assessment escalated the review
            changed["type"] = "ENHANCED_DUE_DILIGENCE"
        return changed
    kind = rng.choice(["director", "share", "address"])
    if kind == "director":
        changed["persons"].append({**_person(rng, False), "role_in_company": "Director"})
    elif kind == "share" and changed["beneficial_owners"]:
        owner = changed["beneficial_owners"][0]
        owner["ownership_percentage"] = round(rng.uniform(5, 60), 2)
    else:
        address = changed["company_profile"]["registered_address"]
        address["street"] = f"{rng.randint(1, 200)} Station Road"
        address["city"] = rng.choice(CITIES)
        address["postal_code"] = str(rng.randint(10000, 99999))
    return changed


def sample_events(
    rng: random.Random,
    count: int,
    kyb_ratio: float,
    invalid_ratio: float,
    updates_ratio: float = 0.0,
) -> Iterator[tuple[bytes, bytes]]:
    """`count` (key, value) records; a share `updates_ratio` re-publishes an earlier client
    with a change (keyed by client_id, so each client's records stay in order)."""
    published: dict[bytes, dict] = {}
    index = 0
    for _ in range(count):
        if published and rng.random() < updates_ratio:
            key = rng.choice(list(published))
            published[key] = changed_client(rng, published[key])
            yield key, json.dumps(published[key], ensure_ascii=False).encode("utf-8")
            continue
        key, value = sample_event(rng, index, kyb_ratio, invalid_ratio)
        index += 1
        if value not in INVALID_BODIES:
            published[key] = json.loads(value)
        yield key, value
