"""Issue #23: each unique guarantee is carried by one field (migration 0017).

The event store's (aggregate, version) lives in `stream_key`; raw events and requirements are
unique by their derived `_id`. The migration fills the key on events stored before it, and the
guarantees hold on the server (a second writer of a version is refused, not merged).
"""

import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases.core import bulk, event_store
from cases.core import events as ev
from cases.core.errors import ConcurrencyConflict
from cases.models import StoredEvent
from cases.models.event_log import stream_key

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BEFORE = ("cases", "0016_notification_in_flight")
OLD_UNIQUE = {
    "uniq_event_aggregate_version",
    "uniq_raw_event_position",
    "uniq_requirement_per_party",
}
KEYED = ("event_store", "raw_events", "document_requirements")


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest() -> list[tuple[str, str]]:
    graph = MigrationExecutor(connection).loader.graph
    return [node for node in graph.leaf_nodes() if node[0] == "cases"]


def all_index_names() -> set[str]:
    collections = [connection.get_collection(name) for name in KEYED]
    return {index for collection in collections for index in collection.index_information()}


def old_event(aggregate_id: uuid.UUID, version: int) -> dict:
    """An event document as the code before 0017 stored it (no stream_key)."""
    return {
        "_id": uuid.uuid4().hex,
        "event_type": ev.CASE_NOTE_ADDED,
        "aggregate_type": ev.CASE,
        "aggregate_id": aggregate_id.hex,
        "version": version,
        "occurred_at": datetime.now(UTC).replace(tzinfo=None),
        "recorded_at": datetime.now(UTC).replace(tzinfo=None),
        "payload": {},
        "metadata": {"causation_id": "test:old", "correlation_id": "test:old"},
        "correlation_id": "test:old",
        "sequence": version - 1,
        "case_id": None,
    }


def test_migration_fills_the_stream_key_of_stored_events_and_enforces_it():
    migrate([BEFORE])
    try:
        assert all_index_names() >= OLD_UNIQUE
        # More than one fill batch (1,000), one long stream among short ones.
        long_stream = uuid.uuid4()
        documents = [old_event(long_stream, version) for version in range(1, 1201)]
        documents += [old_event(uuid.uuid4(), 1) for _ in range(300)]
        connection.get_collection("event_store").insert_many(documents)
    finally:
        migrate(latest())

    events = connection.get_collection("event_store")
    assert events.count_documents({"stream_key": {"$exists": False}}) == 0
    stored = events.find_one({"aggregate_id": long_stream.hex, "version": 42})
    assert stored["stream_key"] == f"{long_stream.hex}:0000000042"
    names = all_index_names()
    assert not OLD_UNIQUE & names
    assert {"uniq_event_stream_key", "event_stream", "raw_position"} <= names

    # Enforced: a different event claiming a taken version is refused by the new key.
    rival = ev.EventSequence(
        ev.Metadata(correlation_id="rival", causation_id="test:rival"),
        timezone.now(),
        start_versions={long_stream: 1199},
    )
    rival.add(ev.CASE_NOTE_ADDED, ev.CASE, long_stream, {})
    with pytest.raises(ConcurrencyConflict):
        event_store.append(rival.events)
    assert StoredEvent.objects.filter(aggregate_id=long_stream).count() == 1200


def test_a_version_is_taken_once_whatever_the_writer():
    """Two different events for one (aggregate, version), written blind: one is refused with
    the duplicate-key code by the single-field index (what append reads as a conflict)."""
    aggregate = uuid.uuid4()
    now = timezone.now()
    first, second = (
        ev.EventSequence(ev.Metadata(correlation_id=name, causation_id=f"test:{name}"), now)
        for name in ("first", "second")
    )
    for sequence in (first, second):
        sequence.add(ev.CASE_NOTE_ADDED, ev.CASE, aggregate, {})

    assert bulk.insert_missing([event_store.to_stored(first.events[0], now)]) == set()
    assert bulk.insert_missing([event_store.to_stored(second.events[0], now)]) == {0}
    assert StoredEvent.objects.get(aggregate_id=aggregate).stream_key == stream_key(aggregate, 1)
