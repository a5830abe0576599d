"""Re-sending outbox rows through the relay (the admin's "re-send" action) on the real broker."""

import json

import pytest
from django.conf import settings

from cases.models import Notification, NotificationRule
from kafka_integration import relay_passes
from kafka_integration.ingest import process_batch
from kafka_integration.notification_relay import NotificationRelay
from kafka_integration.records import InboundRecord
from kafka_integration.relay_passes import RelayPass
from tests.integration.helpers import read_topic

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

KYC = {
    "client_id": "resend-me",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Ida", "lastname": "Resend"}],
}


@pytest.fixture
def notification_topic(make_topic, settings) -> str:
    NotificationRule.objects.all().delete()
    NotificationRule.objects.create(
        trigger="CASE_CREATED", notification_type="CASE_CREATED", template_id="case_created_v1"
    )
    settings.NOTIFICATION_KAFKA_TOPIC = make_topic("notifications")
    return settings.NOTIFICATION_KAFKA_TOPIC


def ingest(payload: dict) -> Notification:
    """Through the ingest service, which announces the new case and so queues its notification."""
    record = InboundRecord("direct", 0, 7, json.dumps(payload).encode())
    (outcome,) = process_batch([record])
    return Notification.objects.get(case_id=outcome.case_id)


def test_resend_delivers_a_pending_row_and_skips_it_once_delivered(notification_topic):
    row = ingest(KYC)
    relay = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS)

    first = relay.resend([row.pk])
    again = relay.resend([row.pk])

    assert (first.delivered, first.skipped_delivered) == (1, 0)
    assert (again.delivered, again.skipped_delivered) == (0, 1)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("DELIVERED", 1)
    assert len(read_topic(notification_topic, seconds=4)) == 1


def test_a_delivered_row_is_sent_again_only_when_asked_explicitly(notification_topic):
    row = ingest(KYC)
    relay = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS)
    assert relay.relay_pending().delivered == 1

    report = relay.resend([row.pk], include_delivered=True)

    assert (report.delivered, report.skipped_delivered) == (1, 0)
    messages = read_topic(notification_topic, expected=2)
    assert len(messages) == 2
    assert {dict(m.headers())["event_id"] for m in messages} == {str(row.pk).encode()}
    refreshed = Notification.objects.get(pk=row.pk)
    assert refreshed.attempts == 2
    assert refreshed.delivered_offset == messages[1].offset()


def test_a_row_a_relay_is_sending_right_now_is_left_to_it(notification_topic):
    row = ingest(KYC)
    sending = RelayPass.new("relay-busy", {notification_topic: {"0": 0}})
    assert relay_passes.mark([row], sending, again=False) == [row]

    report = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS).resend(
        [row.pk], include_delivered=True
    )

    assert (report.delivered, report.skipped_in_flight, report.skipped_delivered) == (0, 1, 0)
    assert Notification.objects.get(pk=row.pk).in_flight == sending.id
    assert read_topic(notification_topic, seconds=3) == []
