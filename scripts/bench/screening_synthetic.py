"""Synthetic watchlists and parties for the screening speed script (issue #25).

Names are made of syllables, so nobody real is listed, and drawn with Zipf-like weights:
a few first names and surnames are common and most are rare, as on real lists. That matters
here: blocking on a common name part returns many candidates, so a uniform vocabulary would
make the index look better than it is. Shares at the top: the commonest first name is on about
5 % of persons, the commonest surname on about 1 %; company sector words ("Trading") on 1 in
15 companies. Everything comes from a seeded `random.Random`: a size and a seed always give
the same file, written line by line (constant memory whatever the size).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

from scripts.bench.screening_evalset import LEGAL_FORMS, SECTORS

SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "dar",
    "vel",
    "sto",
    "bri",
    "nak",
    "tor",
    "el",
    "an",
    "sa",
    "ri",
    "mon",
    "gal",
    "tes",
    "vin",
    "dor",
    "ul",
    "ha",
    "ze",
    "pra",
    "lin",
    "kos",
    "mar",
    "be",
    "ta",
    "nov",
    "ish",
    "ga",
    "rul",
    "fen",
    "do",
    "ko",
    "ma",
    "li",
    "ser",
    "ov",
    "ak",
    "yan",
    "ber",
    "sin",
]
COUNTRIES = ("gb", "de", "fr", "ru", "ae", "cy", "us", "tr", "ch", "nl", "it", "es", "pl")


class Vocabulary:
    """`size` distinct made-up words, drawn with weight 1 / rank ** exponent."""

    def __init__(self, rng: random.Random, size: int, exponent: float, syllables: int) -> None:
        words: dict[str, None] = {}
        while len(words) < size:
            count = rng.randint(2, syllables)
            words["".join(rng.choice(SYLLABLES) for _ in range(count)).capitalize()] = None
        self.words = list(words)
        self._cumulative = list(
            itertools.accumulate(1 / rank**exponent for rank in range(1, size + 1))
        )

    def draw(self, rng: random.Random) -> str:
        point = rng.random() * self._cumulative[-1]
        return self.words[bisect.bisect_left(self._cumulative, point)]


@dataclass
class Vocabularies:
    first: Vocabulary
    surname: Vocabulary
    company: Vocabulary

    @classmethod
    def build(cls, seed: int) -> Vocabularies:
        rng = random.Random(seed)
        return cls(
            first=Vocabulary(rng, 2_000, 0.8, 3),
            surname=Vocabulary(rng, 50_000, 0.7, 4),
            company=Vocabulary(rng, 20_000, 0.7, 4),
        )


def _birth(rng: random.Random) -> str:
    return f"{rng.randint(1940, 2002)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def person_name(rng: random.Random, words: Vocabularies) -> list[str]:
    middle = [words.first.draw(rng)] if rng.random() < 0.4 else []
    return [words.first.draw(rng), *middle, words.surname.draw(rng)]


def company_name(rng: random.Random, words: Vocabularies) -> tuple[str, str]:
    country = rng.choice(list(LEGAL_FORMS))
    form = rng.choice(LEGAL_FORMS[country])[0]
    return f"{words.company.draw(rng)} {rng.choice(SECTORS)} {form}", country


def entity(rng: random.Random, words: Vocabularies, entity_id: str) -> dict:
    """One list entity: 70 % persons, 30 % companies, the properties a real list carries."""
    if rng.random() < 0.7:
        parts = person_name(rng, words)
        properties = {
            "name": [" ".join(parts)],
            "firstName": [parts[0]],
            "lastName": [parts[-1]],
            "birthDate": [_birth(rng)[: 4 if rng.random() < 0.3 else 10]],
            "nationality": [rng.choice(COUNTRIES)],
            "topics": [rng.choice(["sanction", "role.pep", "role.pep"])],
        }
        if len(parts) == 3:
            properties["middleName"] = [parts[1]]
        return {"id": entity_id, "schema": "Person", "properties": properties}
    name, country = company_name(rng, words)
    properties = {
        "name": [name],
        "jurisdiction": [country],
        "registrationNumber": [f"{country.upper()}{rng.randrange(10**7, 10**8)}"],
        "topics": ["sanction"],
    }
    return {"id": entity_id, "schema": "Company", "properties": properties}


def entities(size: int, seed: int) -> Iterator[dict]:
    words = Vocabularies.build(seed)
    rng = random.Random(seed * 1_000_003 + size)
    for number in range(size):
        yield entity(rng, words, f"syn-{number:07d}")


@dataclass(frozen=True)
class PartyData:
    """A party to screen, as plain data (screening.parties.Party is built from it)."""

    key: str
    schema: str
    name: str
    birth_date: str
    country: str


def parties(count: int, seed: int, listed: list[dict]) -> list[PartyData]:
    """Clients to screen: one in ten is a listed entity's name, the rest made-up names.

    Most clients of a bank are on no list; the listed tenth makes sure scoring has real
    candidates to work on, not only blocking misses.
    """
    words = Vocabularies.build(seed)
    rng = random.Random(seed * 7 + count)
    made: list[PartyData] = []
    for number in range(count):
        if listed and rng.random() < 0.1:
            source = rng.choice(listed)
            props = source["properties"]
            schema, name = source["schema"], props["name"][0]
            country = (props.get("nationality") or props.get("jurisdiction"))[0]
        elif rng.random() < 0.7:
            schema, name, country = "Person", " ".join(person_name(rng, words)), ""
        else:
            schema = "Company"
            name, country = company_name(rng, words)
        made.append(
            PartyData(
                key=f"party:{number}",
                schema=schema,
                name=name,
                birth_date=_birth(rng) if schema == "Person" else "",
                country=country or rng.choice(COUNTRIES),
            )
        )
    return made
