"""The demo watchlist: a small fictional FtM list in which some demo clients have near matches.

Everything here is invented. The list mixes background entries (made-up people and
companies drawn from a seeded generator) with near matches of the clients in the sample
records (`/work/shared/samples`: Amélie Poulain, John Doe, Acme Holdings SA, ...) and of
names the demo event generator uses (kafka_integration/sample_events.py), so the first
`scripts/run.sh` shows hits to resolve. One near miss is meant not to hit (another birth
year), and one sanction entity shows that the loader skips what it does not screen.

The checked-in file (screening/fixtures/demo_watchlist.ftm.json) is this module's output:
`manage.py generate_demo_watchlist` rewrites it, and a test keeps the two equal.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

DEMO_DATASET = "demo_watchlist"
DEMO_FILE = Path(__file__).resolve().parent / "fixtures" / "demo_watchlist.ftm.json"
SEED = 25
BACKGROUND_PEOPLE = 24
BACKGROUND_COMPANIES = 12

_GIVEN = ["Oradel", "Vesmir", "Kalinda", "Teodric", "Mirela", "Quillon", "Zarina", "Bastek"]
_FAMILY = ["Varkonyi", "Leshenko", "Oyelaran", "Trevane", "Quarshie", "Halvorsk", "Demirtel"]
_COMPANY_WORDS = ["Meridian", "Saltmarsh", "Corvid", "Tidewater", "Basalt", "Lumen", "Ironvale"]
_COMPANY_KINDS = ["Shipping", "Trading", "Mining", "Logistics", "Capital", "Holdings"]
_LEGAL_FORMS = ["Ltd", "LLC", "GmbH", "S.A.", "JSC", "B.V."]
_COUNTRIES = ["cy", "ae", "pa", "vg", "ru", "ir", "kp", "sy", "by", "ve"]
_TOPICS = [["sanction"], ["sanction"], ["role.pep"], ["crime"], ["sanction", "crime"]]


def _entity(entity_id: str, schema: str, **properties: Any) -> dict[str, Any]:
    values = {
        name: [value] if isinstance(value, str) else list(value)
        for name, value in properties.items()
        if value
    }
    return {"id": entity_id, "schema": schema, "properties": values}


def _person(entity_id: str, first: str, last: str, **properties: Any) -> dict[str, Any]:
    """A person as OpenSanctions lists them: a full name plus its structured parts."""
    return _entity(
        entity_id,
        "Person",
        name=f"{first} {last}",
        firstName=first,
        lastName=last,
        **properties,
    )


def near_matches() -> list[dict[str, Any]]:
    """Entries close to demo clients: each differs from the client as real lists do."""
    return [
        # kyc-client-002's Amélie Poulain, 1983-04-25: accents dropped, one letter off.
        _person(
            "demo-pep-poulin",
            "Amelie",
            "Poulin",
            birthDate="1983-04-25",
            nationality="fr",
            position="Deputy mayor of a fictional commune",
            topics="role.pep",
        ),
        # kyc-client-001's John Doe, 1990-01-15: listed in Cyrillic only.
        _person("demo-san-doe", "Джон", "Доу", birthDate="1990-01-15", topics="sanction"),
        # kyb-client-003's Acme Holdings SA: another spelling of the legal form.
        _entity(
            "demo-san-acme",
            "Company",
            name="ACME Holdings S.A.",
            jurisdiction="fr",
            topics="sanction",
        ),
        # kyb-client-002's Test Corp Ltd: the legal form written out.
        _entity(
            "demo-crime-testcorp",
            "Company",
            name="Test Corp Limited",
            country="gb",
            topics="crime",
        ),
        # kyb-client-003's Claire Martin (no birth date given): name order as lists write it.
        _entity(
            "demo-pep-martin",
            "Person",
            name="MARTIN, Claire",
            firstName="Claire",
            lastName="Martin",
            nationality="fr",
            topics="role.pep",
        ),
        # kyb-client-002's Jane Director, 1985-03-20: a near miss, another birth year.
        _person(
            "demo-miss-director", "Jane", "Director", birthDate="1961-09-02", topics="sanction"
        ),
        # Names of the demo event generator: a PEP with a Cyrillic alias, and a spelling variant.
        _person(
            "demo-pep-rossi",
            "Sofía",
            "Rossi",
            alias="София Росси",
            nationality="it",
            topics="role.pep",
        ),
        _person("demo-san-schmitt", "Jonas", "Schmitt", nationality="de", topics="sanction"),
    ]


def background(rng: random.Random) -> Iterator[dict[str, Any]]:
    """Made-up listed people and companies that no demo client resembles."""
    for index in range(BACKGROUND_PEOPLE):
        born = f"{rng.randint(1940, 1995)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        yield _person(
            f"demo-person-{index:03d}",
            rng.choice(_GIVEN),
            rng.choice(_FAMILY),
            birthDate=born,
            nationality=rng.choice(_COUNTRIES),
            topics=rng.choice(_TOPICS),
        )
    for index in range(BACKGROUND_COMPANIES):
        name = (
            f"{rng.choice(_COMPANY_WORDS)} {rng.choice(_COMPANY_KINDS)} {rng.choice(_LEGAL_FORMS)}"
        )
        yield _entity(
            f"demo-company-{index:03d}",
            "Company",
            name=name,
            jurisdiction=rng.choice(_COUNTRIES),
            topics=rng.choice(_TOPICS),
        )


def demo_entities() -> list[dict[str, Any]]:
    """The whole demo list, in a fixed order (same seed, same file, same sha256)."""
    # A seeded generator makes the file reproducible; nothing here is a secret.
    entities = near_matches() + list(background(random.Random(SEED)))  # nosec B311
    entities.append(
        _entity(
            "demo-sanction-acme",
            "Sanction",
            entity="demo-san-acme",
            authority="Fictional Office of Demo Sanctions",
            program="DEMO-1",
        )
    )
    return entities


def render() -> bytes:
    """The list as FtM line-delimited JSON, as OpenSanctions publishes entity files."""
    return b"".join(orjson.dumps(entity) + b"\n" for entity in demo_entities())


def write(path: Path = DEMO_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render())
    return path
