"""Candidates come from the key index, never from a scan of the list, and are bounded.

PostgreSQL (under FerretDB) rightly scans tables of a few pages, so the list here has a few
thousand entities: names built from syllables, every given name shared by dozens of them.
One test reads all the plans, so the list is loaded once.
"""

from __future__ import annotations

import itertools

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from screening import blocking, frequencies, services
from screening.entities import party_entity
from screening.keys import entity_keys
from screening.parties import Party
from tests.integration.screening.conftest import entity
from tests.integration.test_query_plans import capturing_listener, explain, scans, verdict

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SYLLABLES = ["ka", "lo", "mi", "ru", "te", "vo", "sa", "ne", "di", "po"]
GIVEN = ["".join(pair).title() for pair in itertools.product(SYLLABLES[:6], SYLLABLES)]  # 60
FAMILY = [f"{a}{b}{c}".title() for a, b, c in itertools.product(SYLLABLES, SYLLABLES[:5], "nrs")]


def synthetic_list() -> list[dict]:
    """3,000 people: every given name with 50 family names."""
    return [
        entity(f"p{index}", name=f"{given} {family}", topics="sanction")
        for index, (given, family) in enumerate(
            (given, FAMILY[(g * 7 + f) % len(FAMILY)])
            for g, given in enumerate(GIVEN)
            for f in range(50)
        )
    ]


def test_candidates_come_from_the_key_index_and_are_bounded(load_list):
    people = synthetic_list()
    version = load_list("big", people).version
    listener = capturing_listener()
    target = people[1234]["properties"]["name"][0]
    party = Party(key="q", schema="Person", names=(target,))

    commands = listener.capture(lambda: services.screen([party]))
    database = connections[DEFAULT_DB_ALIAS].database
    on_documentdb = "ferretdb" in database.client.admin.command("buildInfo")
    list_reads = [c for c in commands if c.get("aggregate") == "watchlist_entities"]
    # One capped count per key of the name (screening.frequencies), then the candidates.
    assert len([c for c in list_reads if "$sort" in str(c["pipeline"])]) == 1
    assert len(list_reads) == 1 + len(entity_keys(party_entity(party)))
    for read in list_reads:
        plan = explain(read)
        assert verdict(read, plan, on_documentdb) is None, plan
        assert any(scan.index == "watchlist_entity_scoped_keys" for scan in scans(plan)), plan

    # Bounded: the given name alone is shared by 50 entities; the best match ranks first.
    keys = entity_keys(party_entity(party))
    found = blocking.candidates("big", version.sequence, keys)
    assert len(found) == blocking.MAX_CANDIDATES
    assert found[0]["entity_id"] == "p1234"

    # A delta re-screen reads its entities by id, on the (dataset, entity_id) index.
    only = {"big": {"p1", "p2", "p1234"}}
    commands = listener.capture(lambda: services.screen([party], only_entities=only))
    [by_id] = [c for c in commands if c.get("find") == "watchlist_entities"]
    plan = explain(by_id)
    assert verdict(by_id, plan, on_documentdb) is None, plan
    assert any(scan.index == "watchlist_entity_id" for scan in scans(plan)), plan


def test_keys_most_of_the_list_holds_are_left_out_of_the_candidate_query(load_list, monkeypatch):
    common = [entity(f"ann{n}", name=f"Ann {family}") for n, family in enumerate(FAMILY[:12])]
    version = load_list("lists", [*common, entity("target", name="Ann Zoltanova")]).version
    monkeypatch.setattr(frequencies, "COMMON_KEY_LIMIT", 5)
    frequencies.forget()
    keys = entity_keys(party_entity(Party(key="q", schema="Person", names=("Ann Zoltanova",))))

    kept = frequencies.selective("lists", version.sequence, keys)

    assert "n:ann" in keys and "n:ann" not in kept and "n:zoltanova" in kept
    found = blocking.candidates("lists", version.sequence, keys)
    assert [row["entity_id"] for row in found] == ["target"]
    # A name made only of common keys still gets candidates, through its least common key.
    only_common = entity_keys(party_entity(Party(key="q", schema="Person", names=("Ann",))))
    assert len(frequencies.selective("lists", version.sequence, only_common)) == 1
    assert blocking.candidates("lists", version.sequence, only_common)
