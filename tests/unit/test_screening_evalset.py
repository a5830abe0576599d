"""The screening evaluation set is reproducible and its labels can be trusted (pure logic).

A figure in docs/screening.md is only worth its labels: a positive must name an entity that
is on the list, a near miss must not be a listed person under another spelling, and a seed
must always give the same set.
"""

from scripts.bench import screening_evalset as evalset


def test_a_seed_always_gives_the_same_list_and_queries():
    first, second = evalset.build(seed=26), evalset.build(seed=26)

    assert list(evalset.list_entities(first)) == list(evalset.list_entities(second))
    assert first.queries == second.queries
    assert first.queries != evalset.build(seed=27).queries


def test_every_positive_names_a_listed_entity_and_every_class_is_filled():
    built = evalset.build(seed=25)
    listed = {entity["id"] for entity in evalset.list_entities(built)}
    positives = [query for query in built.queries if query.expected is not None]

    assert {query.expected for query in positives} <= listed
    counts = {name: 0 for name in evalset.CLASSES}
    for query in built.queries:
        counts[query.variation] += 1
    assert all(counts[name] >= 38 for name in evalset.CLASSES if name != "near_miss")
    assert counts["near_miss"] == 100
    assert len({query.key for query in built.queries}) == len(built.queries)


def test_near_misses_other_than_namesakes_are_no_listed_name():
    built = evalset.build(seed=25)
    listed = {f"{person.first} {person.last}" for person in built.persons}
    listed |= {company.name for company in built.companies}

    for query in built.queries:
        if query.expected is None and "birth year" not in query.kind:
            assert query.names[0] not in listed, query


def test_one_typo_is_one_edit_away_and_keeps_the_first_letter():
    import random

    rng = random.Random(1)
    for word in ["Harrington", "Sokolov", "Müller", "Kowalczyk"] * 25:
        typo = evalset.one_typo(rng, word)
        assert typo != word and typo[0] == word[0]
        assert abs(len(typo) - len(word)) <= 1


def test_ascii_fold_drops_marks_nfkd_leaves_behind():
    assert evalset.ascii_fold("Ødegaard Łukasz Weiß Yıldız") == "Odegaard Lukasz Weiss Yildiz"
    assert evalset.ascii_fold("José Muñoz") == "Jose Munoz"
