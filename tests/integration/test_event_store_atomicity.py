"""Issue #12 scenario 7: a command's events land all-or-nothing, as readers see them."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from cases.core import bulk, event_store
from cases.core import events as ev
from cases.core.errors import ConcurrencyConflict
from cases.models import StoredEvent

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def command(name: str, aggregates: list[uuid.UUID]) -> list[ev.DomainEvent]:
    """One command touching each aggregate once (version 1 each)."""
    metadata = ev.Metadata(correlation_id=name, causation_id=f"test:{name}")
    sequence = ev.EventSequence(metadata, timezone.now())
    for aggregate in aggregates:
        sequence.add(ev.CASE_NOTE_ADDED, ev.CASE, aggregate, {"case_id": str(aggregate)})
    return sequence.events


def readable(events: list[ev.DomainEvent]) -> set[uuid.UUID]:
    """What readers (visible filter, full iteration) show of these events."""
    ids = {e.event_id for e in events}
    stored = StoredEvent.objects.filter(event_id__in=list(ids))
    shown = {e.event_id for e in event_store.visible(stored)}
    iterated = {e.event_id for chunk in event_store.iterate_all() for e in chunk} & ids
    assert shown == iterated
    return shown


def test_a_conflict_inside_a_command_leaves_none_of_its_events_stored():
    free, taken = uuid.uuid4(), uuid.uuid4()
    event_store.append(command("winner", [taken]))
    loser = command("loser", [free, taken])

    with pytest.raises(ConcurrencyConflict):
        event_store.append(loser)

    assert not StoredEvent.objects.filter(event_id__in=[e.event_id for e in loser]).exists()
    assert readable(loser) == set()
    assert event_store.append(command("later", [free])).new_event_ids  # the version is free


def test_events_of_a_command_that_crashed_before_its_commit_stay_hidden_until_retried():
    events = command("crashed", [uuid.uuid4(), uuid.uuid4(), uuid.uuid4()])
    now = timezone.now()
    bulk.insert_missing([event_store.to_stored(e, now) for e in events])  # then the crash

    assert StoredEvent.objects.filter(event_id__in=[e.event_id for e in events]).count() == 3
    assert readable(events) == set()

    result = event_store.append(events)  # the retry: same command, same ids

    assert result.new_event_ids == frozenset()
    assert readable(events) == {e.event_id for e in events}


def test_versions_held_by_an_abandoned_command_are_freed_by_the_next_writer():
    aggregate = uuid.uuid4()
    abandoned = command("abandoned", [aggregate, uuid.uuid4()])
    long_ago = timezone.now() - event_store.ABANDONED_AFTER - timedelta(minutes=1)
    bulk.insert_missing([event_store.to_stored(e, long_ago) for e in abandoned])
    fresh = command("fresh", [aggregate])

    with pytest.raises(ConcurrencyConflict):  # the first attempt finds the version taken
        event_store.append(fresh)
    event_store.append(fresh)  # and the retry lands, the abandoned events reaped

    assert not StoredEvent.objects.filter(event_id__in=[e.event_id for e in abandoned]).exists()
    assert readable(fresh) == {fresh[0].event_id}


def test_a_recent_uncommitted_command_is_not_reaped_by_a_conflicting_writer():
    aggregate = uuid.uuid4()
    in_flight = command("in-flight", [aggregate])
    bulk.insert_missing([event_store.to_stored(e, timezone.now()) for e in in_flight])

    with pytest.raises(ConcurrencyConflict):
        event_store.append(command("other", [aggregate]))

    assert StoredEvent.objects.filter(event_id=in_flight[0].event_id).exists()
    event_store.append(in_flight)
    assert readable(in_flight) == {in_flight[0].event_id}
