"""Screening parties against loaded lists: each kind of name variation, near misses,
thresholds per dataset, delta restriction, and what a hit carries."""

from __future__ import annotations

from importlib.metadata import version as package_version

import pytest

from screening import demo, services
from screening.models import DEFAULT_THRESHOLD, ListEntity, WatchlistDataset
from screening.parties import Party
from screening.services import UnknownDataset
from tests.integration.screening.conftest import entity

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def person(entity_id: str, first: str, last: str, middle: str = "", **properties) -> dict:
    """A listed person as OpenSanctions publishes one: full name and its parts."""
    parts = {"firstName": first, "lastName": last, **({"middleName": middle} if middle else {})}
    full = " ".join(part for part in (first, middle, last) if part)
    return entity(entity_id, name=full, **parts, **properties)


LIST = [
    person("kuznetsov", "Владимир", "Кузнецов", "Сергеевич", birthDate="1970-05-02"),
    entity("abdullah", name="محمد عبد الله", birthDate="1965"),
    person("dubois", "Jean-Pierre", "Dubois"),
    person("goncalves", "José", "Gonçalves Müller"),
    person("novakovic", "Katarina", "Novakovic", birthDate="1982-11-30", topics="sanction"),
    person("whitfield", "Robert", "Whitfield", "James", nationality="gb", topics="role.pep"),
    entity("northwind", "Company", name="Northwind Maritime Holdings Limited", topics="sanction"),
    entity("ostrava", "Company", name="Ostrava Steel GmbH", jurisdiction="cz"),
    person("halvorsk", "Teodric", "Halvorsk", birthDate="1958-07-21"),
]

VARIATIONS = {
    "transliteration (Cyrillic)": (
        Party("q", "Person", ("Vladimir Kuznetsov",), ("1970-05-02",)),
        "kuznetsov",
    ),
    "transliteration (Arabic)": (Party("q", "Person", ("Mohammed Abdullah",)), "abdullah"),
    "name order": (Party("q", "Person", ("DUBOIS, Jean-Pierre",)), "dubois"),
    "diacritics": (Party("q", "Person", ("Jose Goncalves Muller",)), "goncalves"),
    "typo": (Party("q", "Person", ("Katarina Novakovik",), ("1982-11-30",)), "novakovic"),
    "initials": (Party("q", "Person", ("R. J. Whitfield",)), "whitfield"),
    "dropped middle name": (Party("q", "Person", ("Robert Whitfield",), (), ("GB",)), "whitfield"),
    "legal form written out": (
        Party("q", "Company", ("Northwind Maritime Holdings Ltd",)),
        "northwind",
    ),
    "another legal form": (
        Party("q", "Company", ("Ostrava Steel s.r.o.",), (), ("CZ",)),
        "ostrava",
    ),
    "legal entity of unknown kind": (Party("q", "LegalEntity", ("Ostrava Steel",)), "ostrava"),
}

NEAR_MISSES = {
    "same name, another birth date": Party("q", "Person", ("Katarina Novakovic",), ("1975-02-14",)),
    "same family name, another person": Party("q", "Person", ("Milan Novakovic",), ("1990",)),
    "same first word, another company": Party("q", "Company", ("Northwind Aviation Services Ltd",)),
    "an initial that does not fit": Party("q", "Person", ("T. Whitfield",), ("1990-01-01",)),
}


def hit_ids(party: Party, **kwargs) -> list[str]:
    [result] = services.screen([party], **kwargs)
    return [hit.entity_id for hit in result.hits]


@pytest.mark.parametrize("variation", list(VARIATIONS))
def test_each_kind_of_variation_is_a_hit_at_the_default_threshold(load_list, variation):
    load_list("lists", LIST)
    party, expected = VARIATIONS[variation]

    assert hit_ids(party) == [expected]


@pytest.mark.parametrize("miss", list(NEAR_MISSES))
def test_near_misses_are_not_hits(load_list, miss):
    load_list("lists", LIST)

    assert hit_ids(NEAR_MISSES[miss]) == []


def test_a_hit_says_what_matched_which_version_and_which_algorithm(load_list):
    version = load_list("lists", LIST).version
    party = Party("person:1", "Person", ("Katarina Novakovik",), ("1982-11-30",))

    [result] = services.screen([party])

    assert (result.party_key, result.dataset, result.version) == (
        "person:1",
        "lists",
        version.version,
    )
    assert (result.algorithm, result.threshold) == ("logic-v2", DEFAULT_THRESHOLD)
    assert result.algorithm_version == package_version("nomenklatura")
    [hit] = result.hits
    stored = ListEntity.objects.get(entity_id="novakovic")
    assert hit.entity_hash == stored.content_hash
    assert (hit.schema, hit.caption, hit.topics) == ("Person", "Katarina Novakovic", ("sanction",))
    assert hit.birth_dates == ("1982-11-30",)
    assert DEFAULT_THRESHOLD <= hit.score <= 1.0
    assert hit.features["name_match"] == hit.score


def test_the_threshold_is_set_per_dataset(load_list):
    load_list("lenient", LIST)
    load_list("strict", LIST)
    WatchlistDataset.objects.filter(name="strict").update(threshold=0.97)
    party = Party("q", "Person", ("Katarina Novakovik",), ("1982-11-30",))  # scores about 0.93

    lenient, strict = services.screen([party])

    assert (lenient.dataset, lenient.threshold) == ("lenient", DEFAULT_THRESHOLD)
    assert len(lenient.hits) == 1
    assert (strict.dataset, strict.threshold, strict.hits) == ("strict", 0.97, ())


def test_only_entities_restricts_the_comparison_to_them(load_list):
    load_list("lists", [person("a1", "Ann", "Varkonyi"), person("a2", "Ann", "Varkonyi")])
    load_list("other", [person("b1", "Ann", "Varkonyi")])
    party = Party("q", "Person", ("Ann Varkonyi",))

    assert hit_ids(party, datasets=["lists"]) == ["a1", "a2"]
    results = services.screen([party], only_entities={"lists": {"a2"}})

    # Only the dataset named, and in it only the entity named.
    assert [(r.dataset, [h.entity_id for h in r.hits]) for r in results] == [("lists", ["a2"])]


def test_results_come_per_party_then_dataset(load_list):
    load_list("a_list", [person("x", "Ann", "Varkonyi")])
    load_list("b_list", [person("y", "Bo", "Trevane")])
    parties = [Party("p1", "Person", ("Ann Varkonyi",)), Party("p2", "Person", ("Bo Trevane",))]

    results = services.screen(parties)

    assert [(r.party_key, r.dataset, [h.entity_id for h in r.hits]) for r in results] == [
        ("p1", "a_list", ["x"]),
        ("p1", "b_list", []),
        ("p2", "a_list", []),
        ("p2", "b_list", ["y"]),
    ]


def test_an_entity_changed_in_a_new_version_is_scored_with_its_new_names(load_list):
    """nomenklatura caches name analysis by entity id; the matcher must never reuse a
    revision's names for the next one."""
    # Never the literal name: nomenklatura compares identical strings before any analysis.
    load_list("lists", [person("e1", "Ann", "Varkonyi")], name="one")
    assert hit_ids(Party("q", "Person", ("VARKONYI, Ann",))) == ["e1"]

    load_list("lists", [person("e1", "Zoltan", "Quarshie")], name="two")

    assert hit_ids(Party("q", "Person", ("QUARSHIE, Zoltan",))) == ["e1"]
    assert hit_ids(Party("q", "Person", ("VARKONYI, Ann",))) == []


def test_an_unknown_dataset_is_refused(load_list):
    load_list("lists", LIST)
    with pytest.raises(UnknownDataset, match="nope"):
        services.screen([Party("q", "Person", ("Ann",))], datasets=["nope"])


def test_the_demo_list_hits_the_sample_clients_it_was_made_for():
    from screening.loading import load_watchlist

    load_watchlist(demo.DEMO_DATASET, str(demo.DEMO_FILE))
    samples = [  # persons and companies of /work/shared/samples/valid
        Party("amelie", "Person", ("Amélie Poulain",), ("1983-04-25",)),
        Party("john", "Person", ("John Doe",), ("1990-01-15",)),
        Party("acme", "Company", ("Acme Holdings SA",), (), ("FR",)),
        Party("testcorp", "Company", ("Test Corp Ltd",), (), ("GB",)),
        Party("claire", "Person", ("Claire Martin",)),
        Party("jane", "Person", ("Jane Director",), ("1985-03-20",)),
        Party("nino", "Person", ("Nino Quincampoix",)),
    ]

    hits = {
        result.party_key: [h.entity_id for h in result.hits] for result in services.screen(samples)
    }

    assert hits == {
        "amelie": ["demo-pep-poulin"],
        "john": ["demo-san-doe"],
        "acme": ["demo-san-acme"],
        "testcorp": ["demo-crime-testcorp"],
        "claire": ["demo-pep-martin"],
        "jane": [],  # the near miss: another birth year
        "nino": [],
    }
