"""Blocking keys, entity building and content hashes of the screening app (pure functions)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from followthemoney import ValueEntity

from screening import demo
from screening.blocking import KeyIndex
from screening.entities import content_hash, party_entity
from screening.keys import entity_keys, scoped_keys, token_keys
from screening.parties import Party, UnscreenableParty
from screening.sources import public_source
from screening.versions import version_label


def listed(schema: str, *names: str, **properties: list[str]) -> ValueEntity:
    data = {"id": "e1", "schema": schema, "properties": {"name": list(names), **properties}}
    return ValueEntity.from_dict(data, cleaned=False)


def keys_of(schema: str, *names: str) -> set[str]:
    return set(entity_keys(listed(schema, *names)))


def test_a_token_gives_its_ascii_form_and_its_metaphone():
    assert token_keys("Müller") == {"n:muller", "m:MLR"}
    assert token_keys("Mueller") & token_keys("Müller") == {"m:MLR"}


def test_stored_keys_are_scoped_by_their_dataset():
    assert scoped_keys("sanctions", ["n:ann", "m:AN"]) == ["sanctions:n:ann", "sanctions:m:AN"]


def test_the_index_of_a_delta_finds_stored_scoped_keys_by_a_partys_keys():
    """A delta's revisions carry keys as stored; a party's keys are unscoped."""
    ann = {"_id": "r1", "keys": scoped_keys("lists", ["n:ann", "n:varkonyi"])}
    bob = {"_id": "r2", "keys": scoped_keys("lists", ["n:bob", "n:varkonyi"])}
    index = KeyIndex("lists", [bob, ann])
    assert index.candidates(["n:ann", "n:varkonyi"]) == [ann, bob]
    assert KeyIndex("other", [ann, bob]).candidates(["n:ann"]) == []


def test_initials_and_one_letter_parts_give_no_key():
    assert token_keys("J") == set()
    assert keys_of("Person", "J. Whitfield") == keys_of("Person", "Whitfield")


def test_name_order_and_punctuation_do_not_change_the_keys():
    assert keys_of("Person", "Jean-Pierre Dubois") == keys_of("Person", "DUBOIS, Jean-Pierre")


def test_diacritics_and_their_absence_share_every_token_and_sound():
    def spelled(keys: set[str]) -> set[str]:  # name symbols may differ between the forms
        return {key for key in keys if not key.startswith("s:")}

    accented = keys_of("Person", "José Gonçalves")
    assert spelled(accented) == spelled(keys_of("Person", "Jose Goncalves"))
    assert spelled(accented) == {"n:jose", "m:JS", "n:goncalves", "m:KNKLFS"}


def test_cyrillic_and_latin_spellings_share_keys():
    cyrillic = keys_of("Person", "Владимир Кузнецов")
    assert {"n:vladimir", "n:kuznetsov"} <= cyrillic & keys_of("Person", "Vladimir Kuznetsov")


def test_arabic_and_latin_spellings_share_name_symbols():
    shared = keys_of("Person", "محمد عبد الله") & keys_of("Person", "Mohammed Abdullah")
    assert shared and all(key.startswith("s:") for key in shared)


def test_a_typo_keeps_the_other_tokens_keys():
    shared = keys_of("Person", "Katarina Novakovic") & keys_of("Person", "Katarina Novakovik")
    assert "n:katarina" in shared


def test_legal_forms_give_no_key_so_variants_of_one_company_key_alike():
    gmbh = keys_of("Company", "Northwind Maritime Holdings GmbH")
    assert gmbh == keys_of("Company", "Northwind Maritime Holdings Limited")
    assert not {"n:gmbh", "n:ltd", "n:limited"} & gmbh


def test_the_query_side_keys_a_party_as_the_list_side_keys_an_entity():
    party = Party(key="p", schema="Person", names=("Amélie Poulain",), birth_dates=("1983-04-25",))
    assert set(entity_keys(party_entity(party))) == keys_of("Person", "Amélie Poulain")


def test_a_party_entity_carries_what_the_matcher_compares():
    party = Party(
        key="c",
        schema="Company",
        names=("Acme Holdings SA",),
        countries=("FR",),
        identifiers=("FR-552-100-554",),
    )
    entity = party_entity(party)
    assert entity.get("name") == ["Acme Holdings SA"]
    assert entity.get("country") == ["fr"]
    assert entity.get("registrationNumber") == ["FR-552-100-554"]


def test_party_entity_ids_follow_their_content():
    """nomenklatura memoises name analysis by entity id: two parties must never share one."""
    first = party_entity(Party(key="a", schema="Person", names=("Ann Lee",)))
    again = party_entity(Party(key="b", schema="Person", names=("Ann Lee",)))
    other = party_entity(Party(key="a", schema="Person", names=("Bo Chen",)))
    assert first.id == again.id != other.id


def test_a_schema_that_is_not_a_party_is_refused():
    with pytest.raises(UnscreenableParty, match="schema 'Vessel'"):
        party_entity(Party(key="v", schema="Vessel", names=("Ever Given",)))


@pytest.mark.parametrize("names", [(), ("",), ("   ",)])
def test_a_party_without_a_name_is_refused_rather_than_reported_clean(names):
    with pytest.raises(UnscreenableParty, match="no name"):
        party_entity(Party(key="p", schema="Person", names=names))


def test_the_content_hash_ignores_value_order_and_sees_any_change():
    one = listed("Person", "Ann Lee", "Anne Lee", topics=["sanction"])
    same = listed("Person", "Anne Lee", "Ann Lee", topics=["sanction"])
    changed = listed("Person", "Ann Lee", "Anne Lee", topics=["role.pep"])
    assert content_hash(one) == content_hash(same) != content_hash(changed)


def test_a_version_label_names_the_sequence_and_the_file():
    assert version_label(3, "ab12cd34ef" + "0" * 54) == "v3-ab12cd34"


def test_a_recorded_source_keeps_no_credentials_or_query():
    url = "https://user:secret@lists.example.org:8443/a/entities.ftm.json?token=x#y"
    assert public_source(url) == "https://lists.example.org:8443/a/entities.ftm.json"
    assert public_source("/data/list.json") == "/data/list.json"


def test_the_checked_in_demo_list_is_what_the_generator_writes():
    assert demo.DEMO_FILE.read_bytes() == demo.render()


def test_wiring_screening_in_does_not_import_the_matching_libraries():
    """nomenklatura (with scikit-learn) and followthemoney take seconds to import: a process
    that only loads the apps and imports the public interface must not pay for them."""
    code = (
        "import sys, django; django.setup(); "
        "import screening.services, screening.parties, screening.signals, screening.admin; "
        "print(sorted(m for m in ('nomenklatura', 'followthemoney', 'rigour') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "casemgmt_project.settings_test"},
        check=True,
    )
    assert done.stdout.strip() == "[]", done.stderr
