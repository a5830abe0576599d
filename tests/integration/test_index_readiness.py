"""Unique indexes are in force once migrate returns, and the readiness check sees one that is
not (cases/index_readiness.py), on the real server."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from bson import Binary, Int64, ObjectId
from django.core.management import call_command
from django.db import connection
from pymongo.errors import DuplicateKeyError

from cases.core.index_readiness import (
    IndexesNotReady,
    declared_unique_keys,
    missing_unique_indexes,
    wait_for_unique_indexes,
)
from cases.models import StoredEvent

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# The event store's (aggregate, version) lock is a unique index of its own (`stream_key`). Raw
# events, requirements and commit markers rest on their primary key, derived from their
# natural key (issue #23), which the server enforces from the collection's creation.
GUARDED = [StoredEvent]
# A value of each stored type: the backend's unique indexes cover only documents whose key
# fields hold the field's type (partialFilterExpression), as SQL ignores NULLs.
SAMPLES = {
    "string": lambda: f"probe-{uuid.uuid4().hex}",
    "int": lambda: 7,
    "long": lambda: Int64(7),
    "binData": lambda: Binary.from_uuid(uuid.uuid4()),
    "date": lambda: datetime(2026, 1, 1),
    "objectId": ObjectId,
}


def sample_key(model, key: tuple[str, ...]) -> dict:
    types = {field.column: field.db_type(connection) for field in model._meta.concrete_fields}
    return {column: SAMPLES[types[column]]() for column in key}


def database():
    connection.ensure_connection()
    return connection.database


def test_the_guarantees_are_declared_as_unique_indexes():
    declared = declared_unique_keys()
    for model in GUARDED:
        assert declared.get(model._meta.db_table), model.__name__


def test_right_after_migrate_every_unique_index_refuses_a_duplicate():
    call_command("migrate", verbosity=0)  # returns only once they are in force
    db = database()
    assert missing_unique_indexes(db, declared_unique_keys()) == []
    for model in GUARDED:
        collection = db[model._meta.db_table]
        for key in declared_unique_keys()[model._meta.db_table]:
            values = sample_key(model, key)
            collection.insert_one({"_id": uuid.uuid4().hex, **values})
            with pytest.raises(DuplicateKeyError):
                collection.insert_one({"_id": uuid.uuid4().hex, **values})
            collection.delete_many(values)


def test_a_unique_index_not_yet_built_is_reported_until_it_is():
    db = database()
    probe = db[f"readiness_probe_{uuid.uuid4().hex[:8]}"]
    probe.insert_many([{"_id": n, "position": n} for n in range(100)])
    wanted = {probe.name: {("position",)}}
    try:
        assert missing_unique_indexes(db, wanted) == [f"{probe.name}(position)"]
        probe.create_index("position")  # not unique: does not count
        assert missing_unique_indexes(db, wanted) == [f"{probe.name}(position)"]
        probe.create_index("position", unique=True, name="position_unique")
        assert missing_unique_indexes(db, wanted) == []
    finally:
        probe.drop()


def test_waiting_for_a_missing_index_ends_in_a_clear_error(monkeypatch):
    collection = StoredEvent._meta.db_table
    monkeypatch.setattr(
        "cases.core.index_readiness.declared_unique_keys",
        lambda: {collection: {("no_such_field",)}},
    )
    with pytest.raises(IndexesNotReady, match=rf"{collection}\(no_such_field\).*migrate"):
        wait_for_unique_indexes(timeout=0)
