"""A relay that dies between the broker's acknowledgement and its DELIVERED write (issue #22).

Its pass was marked in flight before it was sent; whoever finds the mark reconciles the pass
against the topic: rows found there are recorded with their real offsets, only the others are
sent. The crash test uses real processes and a SIGKILL at the relay's own kill point.
"""

import json
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from confluent_kafka import Producer
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from cases.core import bulk
from cases.models import Notification, NotificationRule
from kafka_integration import relay_passes
from kafka_integration.crash_points import ENV as CRASH_POINT
from kafka_integration.ingest import InboundRecord, process_batch
from kafka_integration.notification_relay import NotificationRelay
from kafka_integration.relay_passes import RelayPass
from kafka_integration.topic_positions import TopicPositions
from tests.integration.consumer_process import (
    ManagedProcess,
    consumer_env,
    count_topic,
    wait_until,
)
from tests.integration.test_workflow_claims import kyc

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

ROWS = 40


@pytest.fixture
def outbox(make_topic, settings) -> str:
    """ROWS pending notifications for a 3-partition topic; returns the topic."""
    NotificationRule.objects.all().delete()
    NotificationRule.objects.create(
        trigger="CASE_CREATED", notification_type="CASE_CREATED", template_id="case_created_v1"
    )
    settings.NOTIFICATION_KAFKA_TOPIC = make_topic("notifications", partitions=3)
    records = [
        InboundRecord("direct", 0, n, json.dumps(kyc(f"crash-{n}")).encode()) for n in range(ROWS)
    ]
    process_batch(records)
    assert Notification.objects.filter(status="PENDING").count() == ROWS
    return settings.NOTIFICATION_KAFKA_TOPIC


def assert_each_once_at_its_recorded_offset(topic: str) -> None:
    """read_committed: every row's event_id exactly once, at the row's recorded position."""
    on_topic = count_topic(
        settings.KAFKA_BOOTSTRAP_SERVERS,
        topic,
        lambda m: (dict(m.headers())["event_id"].decode(), m.partition(), m.offset()),
    )
    copies = Counter(event_id for event_id, _, _ in on_topic)
    rows = {str(row.pk): row for row in Notification.objects.all()}
    assert copies == Counter(list(rows)), f"{copies.total() - len(rows)} extra copies"
    for event_id, partition, offset in on_topic:
        row = rows[event_id]
        assert (row.status, row.in_flight) == ("DELIVERED", None)
        assert (row.delivered_partition, row.delivered_offset) == (partition, offset)


def relay_process(name: str, tmp_path: Path, **extra_env: str) -> ManagedProcess:
    env = {
        **consumer_env(
            mongodb_uri=settings.MONGODB_URI,
            db_name=connection.settings_dict["NAME"],
            bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
            topic="unused",  # each outbox row names its own topic
        ),
        "NOTIFICATION_RELAY_ID": "relay-under-test",
        **extra_env,
    }
    args = [sys.executable, "manage.py", "relay_notifications", "--interval", "0.2"]
    return ManagedProcess.start(name, args, env, tmp_path)


def test_a_relay_killed_after_the_flush_sends_nothing_again_on_restart(outbox, tmp_path):
    marker = tmp_path / "flushed"
    first = relay_process("relay-1", tmp_path, **{CRASH_POINT: f"relay-after-flush:{marker}"})
    try:
        wait_until(lambda: marker.exists() or not first.running(), 120, "the flush", first.logs)
        assert first.running(), first.logs()
        first.kill()  # stopped right after the flush: the broker has every record
        in_flight = relay_passes.in_flight()
        assert [len(rows) for rows in in_flight.values()] == [ROWS]
        assert not Notification.objects.filter(status="DELIVERED").exists()

        second = relay_process("relay-2", tmp_path)
        try:
            wait_until(
                lambda: Notification.objects.filter(status="DELIVERED").count() == ROWS,
                120,
                "the restarted relay to record the pass",
                second.logs,
            )
        finally:
            second.stop()
    finally:
        first.stop()
    assert_each_once_at_its_recorded_offset(outbox)
    assert '"found_on_topic": 40' in second.stderr.read_text(), second.logs()


def test_a_dead_pass_is_reconciled_and_only_what_never_reached_the_topic_is_sent(outbox):
    """The dead relay got half its pass out: those are recorded, the other half is sent."""
    rows = list(Notification.objects.order_by("created_at", "id"))
    positions = TopicPositions(settings.KAFKA_BOOTSTRAP_SERVERS, {})
    dead = RelayPass.new("relay-gone", {outbox: positions.end_offsets(outbox)})
    assert len(relay_passes.mark(rows, dead, again=False)) == ROWS
    producer = Producer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS})
    for row in rows[: ROWS // 2]:  # what the dead relay's producer got out, as it sends it
        producer.produce(row.topic, key=row.key, value=b"{}", headers={"event_id": str(row.pk)})
    assert producer.flush(10) == 0
    age(dead, timedelta(minutes=5))  # well past any lease

    report = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS).relay_pending()

    assert (report.reconciled, report.delivered, report.failed) == (ROWS // 2, ROWS // 2, 0)
    assert relay_passes.in_flight() == {}
    assert_each_once_at_its_recorded_offset(outbox)


def test_a_live_relays_pass_is_left_to_it_until_its_lease_runs_out(outbox, monkeypatch):
    """Two relays: B must not treat A's unfinished pass as dead while A's lease holds."""
    relay_a = NotificationRelay(
        settings.KAFKA_BOOTSTRAP_SERVERS, delivery_timeout=5, owner="relay-a", lease=60
    )
    relay_b = NotificationRelay(
        settings.KAFKA_BOOTSTRAP_SERVERS,
        delivery_timeout=5,
        owner="relay-b",
        lease=60,
        reconcile_every=0,  # looks for dead passes at every call, not every 30 s
    )

    def database_gone(*args, **kwargs):
        raise DatabaseError("connection reset by the database (injected)")

    monkeypatch.setattr(bulk, "update_fields", database_gone)
    with pytest.raises(DatabaseError):
        relay_a.relay_pending()  # sent and flushed; its DELIVERED write failed
    monkeypatch.undo()

    untouched = relay_b.relay_pending()

    assert (untouched.delivered, untouched.reconciled) == (0, 0)
    [(pass_id, rows)] = relay_passes.in_flight().items()
    assert {row.in_flight_by for row in rows} == {"relay-a"} and len(rows) == ROWS

    age(relay_passes.pass_of(rows), timedelta(seconds=61))
    taken = relay_b.relay_pending()

    assert (taken.reconciled, taken.delivered) == (ROWS, 0)
    late = relay_a.relay_pending()  # A comes back and writes what it kept: nothing is sent
    assert late.failed == 0
    assert_each_once_at_its_recorded_offset(outbox)


def age(relay_pass: RelayPass, by: timedelta) -> None:
    """Make a pass look as old as a dead relay's would (its mark time moved back)."""
    when = bulk.prepared(Notification, in_flight_since=timezone.now() - by)
    bulk.collection(Notification).update_many({"in_flight": relay_pass.id}, {"$set": when})


def test_a_pass_cut_short_by_a_database_outage_is_finished_at_the_next_sweep(outbox, monkeypatch):
    """The mark reached the server but its answer did not: the relay, alive, must not leave
    its own pass marked until a lease runs out (chaos scenario 3 found 189 rows so held)."""
    relay = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS, delivery_timeout=5, lease=60)
    mark = relay_passes.mark

    def marked_then_connection_lost(*args, **kwargs):
        mark(*args, **kwargs)
        raise DatabaseError("connection reset after the write (injected)")

    monkeypatch.setattr(relay_passes, "mark", marked_then_connection_lost)
    with pytest.raises(DatabaseError):
        relay.relay_pending()
    monkeypatch.undo()
    assert sum(len(rows) for rows in relay_passes.in_flight().values()) == ROWS

    report = relay.relay_pending()  # seconds later: inside the reconcile interval and the lease

    assert (report.delivered, report.failed) == (ROWS, 0)
    assert relay_passes.in_flight() == {}
    assert_each_once_at_its_recorded_offset(outbox)
