"""Notifications: rule match on case creation, outbox, relay to the real broker, recovery."""

import json
import uuid

import pytest
from confluent_kafka import Producer
from django.conf import settings
from django.db import DatabaseError

from cases.core import bulk
from cases.models import Case, Notification, NotificationRule, RawEvent
from kafka_integration.consumer import CaseEventConsumer, ConsumerOptions
from kafka_integration.ingest import process_batch, record_outcomes
from kafka_integration.notification_relay import NotificationRelay
from kafka_integration.records import InboundRecord
from kafka_integration.relays import ConsumerRelay
from tests.integration.helpers import closed_port, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

UPSTREAM_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{UPSTREAM_TRACE_ID}-00f067aa0ba902b7-01"
KYC = {
    "client_id": "notify-me",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Grace", "lastname": "Hopper"}],
}


@pytest.fixture
def notification_topic(make_topic, settings):
    """A private topic, and only the rules each test creates (not the seeded default)."""
    NotificationRule.objects.all().delete()
    settings.NOTIFICATION_KAFKA_TOPIC = make_topic("notifications")
    return settings.NOTIFICATION_KAFKA_TOPIC


def case_created_rule(is_active: bool = True) -> NotificationRule:
    return NotificationRule.objects.create(
        trigger="CASE_CREATED",
        notification_type="CASE_CREATED",
        template_id="case_created_v1",
        language_code="fr",
        is_active=is_active,
    )


def ingest_directly(payload: dict) -> uuid.UUID:
    record = InboundRecord("direct", 0, 1, json.dumps(payload).encode(), b"notify-me")
    outcomes = process_batch([record])
    record_outcomes(outcomes)
    return outcomes[0].case_id


def test_case_from_kafka_publishes_one_notification_with_envelope_key_and_trace(
    make_topic, notification_topic
):
    case_created_rule()
    topic = make_topic("kyc-in")
    producer = Producer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS})
    producer.produce(topic, value=json.dumps(KYC).encode(), headers=[("traceparent", TRACEPARENT)])
    assert producer.flush(10) == 0
    relay = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS)

    CaseEventConsumer(
        ConsumerOptions(
            bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
            topic=topic,
            group_id=f"notif-{uuid.uuid4().hex[:6]}",
            dlq_topic=f"{topic}.dlq",
            max_messages=1,
            idle_timeout=20,
        ),
        background_hooks=[relay.relay_pending],
    ).run()

    case = Case.objects.get(client_id="notify-me")
    row = Notification.objects.get(case_id=case.id)
    assert row.status == "DELIVERED"
    assert row.delivered_offset is not None and row.delivered_at is not None
    messages = read_topic(notification_topic, seconds=8)
    assert len(messages) == 1
    message = messages[0]
    envelope = json.loads(message.value())
    headers = {name: value.decode() for name, value in message.headers()}
    assert message.key().decode() == str(case.id)
    assert (message.partition(), message.offset()) == (
        row.delivered_partition,
        row.delivered_offset,
    )
    assert envelope["event_type"] == "NotificationRequired"
    assert envelope["event_id"] == headers["event_id"] == str(row.id)
    assert headers["event_type"] == "NotificationRequired"
    assert headers["traceparent"].split("-")[1] == UPSTREAM_TRACE_ID
    assert RawEvent.objects.get(topic=topic).trace_id == UPSTREAM_TRACE_ID
    payload = envelope["payload"]
    assert payload["recipient_details"] == {
        "case_id": str(case.id),
        "client_id": "notify-me",
        "primary_contact_name": "Grace Hopper",
    }
    assert (payload["template_id"], payload["language_code"]) == ("case_created_v1", "fr")
    assert payload["context_data"] == {
        "case_id": str(case.id),
        "client_name": "Grace Hopper",
        "case_type": "INDIVIDUAL_STANDARD",
        "traitement_type": "KYC",
    }


def test_inactive_rule_yields_no_notification(notification_topic):
    case_created_rule(is_active=False)

    case_id = ingest_directly(KYC)

    assert Case.objects.filter(id=case_id).exists()
    assert not Notification.objects.exists()
    assert NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS).relay_pending().delivered == 0


def test_notification_waits_for_the_broker_and_is_delivered_once(notification_topic):
    case_created_rule()
    case_id = ingest_directly(KYC)
    unreachable = NotificationRelay(f"127.0.0.1:{closed_port()}", delivery_timeout=3)

    outage = unreachable.relay_pending()

    row = Notification.objects.get(case_id=case_id)
    assert (outage.delivered, outage.failed) == (0, 1)
    assert (row.status, row.attempts) == ("PENDING", 1) and row.last_error

    recovered = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS).relay_pending()
    restarted = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS).relay_pending()

    assert (recovered.delivered, restarted.delivered) == (1, 0)
    assert Notification.objects.get(case_id=case_id).status == "DELIVERED"
    assert [m.key().decode() for m in read_topic(notification_topic, seconds=8)] == [str(case_id)]


def test_a_delivered_write_that_fails_is_written_later_and_nothing_is_sent_twice(
    notification_topic, monkeypatch
):
    """The database goes away after the broker acknowledged: the next pass records, not re-sends."""
    case_created_rule()
    case_id = ingest_directly(KYC)
    relay = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS)

    def database_gone(*args, **kwargs):
        raise DatabaseError("connection reset by the database (injected)")

    monkeypatch.setattr(bulk, "update_fields", database_gone)
    with pytest.raises(DatabaseError):
        relay.relay_pending()
    with pytest.raises(DatabaseError):
        relay.deliver([])  # still away: nothing new goes out either
    assert Notification.objects.get(case_id=case_id).status == "PENDING"
    monkeypatch.undo()

    recovered = relay.relay_pending()

    row = Notification.objects.get(case_id=case_id)
    assert (recovered.delivered, recovered.failed) == (1, 0)
    assert (row.status, row.attempts, row.delivered_offset) == ("DELIVERED", 1, 0)
    assert [m.key().decode() for m in read_topic(notification_topic, seconds=8)] == [str(case_id)]


def test_the_consumer_relay_delivers_what_its_batch_queued_without_reading_the_outbox(
    notification_topic,
    counter,  # noqa: F811
):
    case_created_rule()
    relay = ConsumerRelay(NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS), 3600, 3600)
    relay()  # the start-up sweep
    case_id = ingest_directly(KYC)

    counter.active = True
    relay()
    counter.active = False

    reads = {key for key in counter.counts if key[0] in ("find", "aggregate")}
    assert not {key for key in reads if key[1] == "notifications"}, counter.counts
    row = Notification.objects.get(case_id=case_id)
    assert (row.status, row.attempts, row.delivered_offset) == ("DELIVERED", 1, 0)
    assert row.envelope["event_type"] == "NotificationRequired"


def test_a_member_that_stops_leading_leaves_its_rows_to_the_sweep(notification_topic):
    case_created_rule()
    relay = ConsumerRelay(NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS), 3600, 3600)
    relay()
    case_id = ingest_directly(KYC)

    relay.standby()
    assert relay.tap.take() == []
    relay()  # leading again: it sweeps first, which finds the row still pending

    assert Notification.objects.get(case_id=case_id).status == "DELIVERED"
    assert len(read_topic(notification_topic, seconds=8)) == 1


def test_signal_fired_again_for_the_same_case_adds_no_second_notification(notification_topic):
    case_created_rule()
    case_id = ingest_directly(KYC)
    from cases.core.signals import case_opened

    case_opened.send(sender=None, case_ids=[case_id], trace_context={})

    assert Notification.objects.filter(case_id=case_id).count() == 1


def test_case_status_change_notifies_through_the_same_outbox_when_a_rule_matches(
    notification_topic,
):
    from cases.workflow.commands import ChangeCaseStatus
    from cases.workflow.services import change_case_status

    NotificationRule.objects.create(
        trigger="CASE_STATUS_CHANGED",
        traitement_type="KYC",
        notification_type="CASE_IN_REVIEW",
        template_id="case_status_v1",
    )
    case_id = ingest_directly(KYC)

    change_case_status(ChangeCaseStatus(case_id=case_id, new_status="IN_REVIEW", actor="analyst"))
    report = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS).relay_pending()

    row = Notification.objects.get(case_id=case_id)
    assert report.delivered == 1 and row.status == "DELIVERED"
    assert row.envelope["payload"]["trigger"] == "CASE_STATUS_CHANGED"
    assert row.envelope["payload"]["template_id"] == "case_status_v1"
    assert [
        json.loads(m.value())["event_id"] for m in read_topic(notification_topic, seconds=8)
    ] == [str(row.id)]
