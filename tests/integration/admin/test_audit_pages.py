"""Raw events (replay), notifications (re-send), rules and who may reach what."""

import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils.timezone import now

from cases.models import DocumentRequirement, DocumentRule, Notification, NotificationRule, RawEvent
from kafka_integration.ingest import process_batch, to_raw_event
from kafka_integration.records import InboundRecord
from tests.integration.admin.conftest import KYB

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def rejected_raw_event(payload: dict) -> RawEvent:
    """The audit row of a record an earlier configuration rejected (stored as ingest does)."""
    raw = to_raw_event(InboundRecord("kyc_events", 0, 42, json.dumps(payload).encode()), now())
    raw.status, raw.errors = "REJECTED", [{"loc": "type", "msg": "no rule for this case type"}]
    raw.save(force_insert=True)
    return raw


def test_replaying_a_rejected_record_after_a_rule_fix_opens_its_case_with_the_new_document(
    analyst_client, document_rules
):
    raw = rejected_raw_event({**KYB, "client_id": "kyb-replay"})
    DocumentRule.objects.create(
        traitement_type="KYB", entity_type="COMPANY", document_type="UBO_REGISTER_EXTRACT"
    )

    response = analyst_client.post(
        reverse("admin:cases_rawevent_changelist"),
        {"action": "replay_raw_events", "index": 0, ACTION_CHECKBOX_NAME: [str(raw.pk)]},
        follow=True,
    )

    assert "Replayed 1: PROCESSED 1" in response.content.decode()
    raw.refresh_from_db()
    assert raw.status == "PROCESSED" and raw.case_id is not None
    assert DocumentRequirement.objects.filter(
        case_id=raw.case_id, document_type="UBO_REGISTER_EXTRACT"
    ).exists()
    page = analyst_client.get(reverse("admin:cases_rawevent_change", args=[raw.pk]))
    html = page.content.decode()
    assert reverse("admin:cases_case_change", args=[raw.case_id]) in html
    assert "&quot;client_id&quot;: &quot;kyb-replay&quot;" in html  # pretty-printed payload
    listed = reverse("admin:cases_rawevent_changelist")
    assert (
        "kyb-replay" in analyst_client.get(listed, {"status__exact": "PROCESSED"}).content.decode()
    )
    assert (
        "kyb-replay"
        not in analyst_client.get(listed, {"status__exact": "REJECTED"}).content.decode()
    )
    assert "kyb-replay" in analyst_client.get(listed, {"q": "kyb-replay"}).content.decode()


@pytest.fixture
def delivered_notification(make_topic, settings, document_rules) -> Notification:
    NotificationRule.objects.all().delete()
    NotificationRule.objects.create(
        trigger="CASE_CREATED", notification_type="CASE_CREATED", template_id="t1"
    )
    settings.NOTIFICATION_KAFKA_TOPIC = make_topic("notifications")
    record = InboundRecord("kyc_events", 0, 7, json.dumps(KYB).encode())
    (outcome,) = process_batch([record])
    return Notification.objects.get(case_id=outcome.case_id)


def test_resend_delivers_a_pending_notification_and_then_leaves_it_alone(
    analyst_client, delivered_notification
):
    url = reverse("admin:cases_notification_changelist")
    form = {
        "action": "resend_notifications",
        "index": 0,
        ACTION_CHECKBOX_NAME: [str(delivered_notification.pk)],
    }

    first = analyst_client.post(url, form, follow=True).content.decode()
    second = analyst_client.post(url, form, follow=True).content.decode()

    assert "Re-send: 1 delivered." in first
    assert "1 skipped: already delivered" in second
    assert Notification.objects.get(pk=delivered_notification.pk).attempts == 1


def test_a_second_copy_of_a_delivered_notification_needs_a_confirmation(
    analyst_client, delivered_notification
):
    url = reverse("admin:cases_notification_changelist")
    analyst_client.post(
        url,
        {
            "action": "resend_notifications",
            "index": 0,
            ACTION_CHECKBOX_NAME: [str(delivered_notification.pk)],
        },
    )
    form = {
        "action": "resend_including_delivered",
        "index": 0,
        ACTION_CHECKBOX_NAME: [str(delivered_notification.pk)],
    }

    asked = analyst_client.post(url, form).content.decode()
    assert "Re-send a second copy?" in asked
    assert Notification.objects.get(pk=delivered_notification.pk).attempts == 1

    analyst_client.post(url, {**form, "confirm": "yes"})
    assert Notification.objects.get(pk=delivered_notification.pk).attempts == 2


def test_an_analyst_can_view_rules_but_not_edit_them_and_a_lead_can(
    analyst_client, lead_client, document_rules
):
    rule = DocumentRule.objects.first()
    url = reverse("admin:cases_documentrule_change", args=[rule.pk])
    edit = {
        "traitement_type": rule.traitement_type,
        "entity_type": rule.entity_type,
        "case_type": "",
        "document_type": rule.document_type,
        "is_required": "on",
    }
    assert analyst_client.get(url).status_code == 200
    assert analyst_client.post(url, edit).status_code == 403
    assert DocumentRule.objects.get(pk=rule.pk).is_active

    assert lead_client.post(url, edit).status_code == 302  # saved; is_active unticked
    assert not DocumentRule.objects.get(pk=rule.pk).is_active


def test_a_user_who_is_not_staff_is_sent_to_the_login_page(django_user_model):
    user = django_user_model.objects.create_user("client-user", password="pw-123456")
    client = Client()
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/login/" in response.url


def test_the_index_shows_the_branding_and_the_dashboard(analyst_client, kyb_case, settings):
    html = analyst_client.get(reverse("admin:index")).content.decode()
    assert "casemgmt" in html
    assert f"Back office · {settings.ENVIRONMENT_NAME}" in html
    for section in ("dash-open", "dash-types", "dash-days", "dash-health", "dash-oldest"):
        assert f'id="{section}"' in html
    assert "kyb-admin" in html  # among the oldest open cases
