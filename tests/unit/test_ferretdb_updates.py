"""The FerretDB adapter applies classic update operators in-process without touching its input."""

import copy

from casemgmt_project.mongodb_engine.ferretdb.updates import apply_update


def _stored() -> dict:
    return {
        "_id": 1,
        "status": "RECEIVED",
        "attempts": 0,
        "payload": {"client": {"name": "Ada", "tags": ["a"]}, "size": 3},
        "headers": [{"key": "k", "value": "v"}],
    }


def test_an_update_leaves_the_stored_document_exactly_as_it_was():
    stored = _stored()
    before = copy.deepcopy(stored)

    apply_update(
        stored,
        {
            "$set": {"status": "PROCESSED", "payload.client.name": "Bob", "new.deep.field": 1},
            "$inc": {"attempts": 1, "payload.size": 2},
            "$unset": {"payload.client.tags": ""},
        },
        inserting=False,
    )

    assert stored == before


def test_set_inc_and_unset_reach_nested_fields_and_create_missing_parents():
    result = apply_update(
        _stored(),
        {
            "$set": {"status": "PROCESSED", "payload.client.name": "Bob", "new.deep.field": 1},
            "$inc": {"attempts": 1, "payload.size": 2, "counter": 5},
            "$unset": {"payload.client.tags": "", "absent.path": ""},
        },
        inserting=False,
    )

    assert result == {
        "_id": 1,
        "status": "PROCESSED",
        "attempts": 1,
        "payload": {"client": {"name": "Bob"}, "size": 5},
        "headers": [{"key": "k", "value": "v"}],
        "new": {"deep": {"field": 1}},
        "counter": 5,
    }


def test_set_on_insert_applies_only_when_the_update_inserts():
    update = {"$setOnInsert": {"created": "now"}, "$set": {"status": "X"}}

    assert "created" not in apply_update(_stored(), update, inserting=False)
    assert apply_update({"_id": 2}, update, inserting=True) == {
        "_id": 2,
        "created": "now",
        "status": "X",
    }


def test_two_paths_under_one_parent_both_land_in_the_result():
    stored = _stored()

    result = apply_update(
        stored, {"$set": {"payload.client.name": "Bob", "payload.client.age": 40}}, False
    )

    assert result["payload"]["client"] == {"name": "Bob", "tags": ["a"], "age": 40}
    assert stored["payload"]["client"] == {"name": "Ada", "tags": ["a"]}
