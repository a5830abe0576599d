"""The back office in a real browser: an analyst's day, a lead's rule fix, and who gets in.

Headless Debian Chromium against a live server on this run's test database; state is built
through the same services the consumer and the API use. Each step saves a screenshot
(var/e2e-screenshots/); `scripts/screenshots.py` copies the main pages to docs/screenshots/.
"""

import json

import pytest
from django.core.cache import cache
from django.utils.timezone import now
from playwright.sync_api import expect

from cases.admin.groups import ANALYST, LEAD, ensure_back_office_user
from cases.documents.commands import UpdateDocumentStatus
from cases.documents.rules import seed_document_rules
from cases.documents.services import update_document_status
from cases.models import DocumentRequirement, DocumentRule, Notification, NotificationRule, RawEvent
from kafka_integration.ingest import process_batch, to_raw_event
from kafka_integration.records import InboundRecord

pytestmark = [pytest.mark.integration]

PASSWORD = "e2e-pass-1234"
KYB = {
    "client_id": "kyb-e2e",
    "version": "1.0",
    "type": "COMPANY_STANDARD",
    "traitement_type": "KYB",
    "company_profile": {
        "registered_name": "Lumière Logistics SA",
        "registration_number": "B123456",
        "country_of_incorporation": "LU",
        "registered_address": {"street": "12 Rue du Fort", "city": "Luxembourg", "country": "LU"},
        "industry_sector": "Logistics",
    },
    "persons": [{"firstname": "Ada", "lastname": "Director", "role_in_company": "Director"}],
    "beneficial_owners": [
        {
            "person_details": {"firstname": "Olga", "lastname": "Owner"},
            "ownership_percentage": 62.5,
            "types_of_control": ["SHARES", "VOTING_RIGHTS"],
            "is_ubo": True,
        }
    ],
}
KYC = {
    "client_id": "kyc-e2e",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Grace", "lastname": "Hopper"}],
}


@pytest.fixture
def back_office(make_topic, settings, transactional_db):
    """Rules, a KYB and a KYC case from Kafka-shaped records, and one record rejected earlier."""
    cache.clear()
    seed_document_rules(DocumentRule)
    NotificationRule.objects.all().delete()
    NotificationRule.objects.create(
        trigger="CASE_CREATED", notification_type="CASE_CREATED", template_id="case_created_v1"
    )
    settings.NOTIFICATION_KAFKA_TOPIC = make_topic("notifications")
    records = [
        InboundRecord("kyc_events", 0, offset, json.dumps(payload).encode())
        for offset, payload in enumerate((KYB, KYC))
    ]
    kyb, _ = process_batch(records)
    rejected = to_raw_event(
        InboundRecord("kyc_events", 0, 9, json.dumps({**KYC, "client_id": "kyc-late"}).encode()),
        now(),
    )
    rejected.status, rejected.errors = "REJECTED", [{"loc": "type", "msg": "no rule matched"}]
    rejected.save(force_insert=True)
    # The client uploaded the articles: the analyst's part is to verify them.
    articles = DocumentRequirement.objects.get(
        case_id=kyb.case_id, document_type="ARTICLES_OF_ASSOCIATION"
    )
    update_document_status(
        UpdateDocumentStatus(
            requirement_id=articles.pk,
            new_status="UPLOADED",
            actor_type="CLIENT",
            actor_id="kyb-e2e",
        )
    )
    ensure_back_office_user("ann", PASSWORD, ANALYST)
    ensure_back_office_user("lee", PASSWORD, LEAD)
    return {"kyb_case_id": kyb.case_id, "rejected": rejected, "articles": articles}


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def log_out(page) -> None:
    page.click("#logout-form button")
    page.wait_for_selector("text=Logged out")


def run_action(page, action: str) -> None:
    page.check("input[name=_selected_action]")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def test_an_analyst_works_a_kyb_case_from_the_dashboard_to_the_outbox(
    live_server_url, chromium_page, screenshot, back_office
):
    page, base = chromium_page, live_server_url
    log_in(page, base, "ann")
    assert page.locator("#site-name").inner_text() == "casemgmt"
    assert page.locator("#dash-open .casemgmt-figure").inner_text() == "2"
    assert page.locator("#dash-rejected").inner_text() == "1"
    screenshot("dashboard")

    page.click("#dash-open a:text-is('KYB')")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    assert "kyb-e2e" in rows.first.inner_text()
    screenshot("case-list")

    page.click("#result_list a:text('kyb-e2e')")
    page.wait_for_selector("#timeline")
    assert "Lumière Logistics SA" in page.locator("#company").inner_text()
    assert "12 Rue du Fort" in page.locator("#company").inner_text()
    owners = page.locator("#owners").inner_text()
    assert "Olga Owner" in owners and "62.5 %" in owners and "UBO" in owners
    assert page.locator("#requirements tr[data-document]").count() == 4
    events_before = page.locator("#timeline li[data-event-type]").count()
    assert page.locator("input[name=_save]").count() == 0  # nothing to save on this page

    articles = page.locator("tr[data-document=ARTICLES_OF_ASSOCIATION]")
    articles.locator("select").select_option("VERIFIED_MANUAL")
    articles.locator("textarea[name$=-notes]").fill("Checked against the registry extract")
    articles.locator("input[type=submit]").click()
    page.wait_for_selector("text=ARTICLES_OF_ASSOCIATION: UPLOADED → VERIFIED_MANUAL.")
    articles = page.locator("tr[data-document=ARTICLES_OF_ASSOCIATION]")
    assert articles.locator(".casemgmt-doc-status").inner_text() == "VERIFIED_MANUAL"
    assert "by ann" in articles.inner_text()
    timeline = page.locator("#timeline li[data-event-type]")
    assert timeline.count() == events_before + 1
    assert "Document UPLOADED → VERIFIED_MANUAL" in timeline.last.inner_text()

    page.select_option("#status-form select", "IN_REVIEW")
    page.fill("#status-form input[name=reason]", "Company documents complete")
    page.click("#status-form input[type=submit]")
    page.wait_for_selector("text=Case moved to IN_REVIEW.")
    assert page.locator("#case-status").inner_text() == "IN_REVIEW"
    assert "Status OPEN → IN_REVIEW" in page.locator("#timeline li").last.inner_text()
    screenshot("case-page")

    articles.locator("a").first.click()
    expect(page.locator(".history-row")).to_have_count(2)
    screenshot("document-requirement")

    page.goto(f"{base}/admin/cases/notification/?status__exact=PENDING")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "resend_notifications")
    page.click("button[name=index]")
    page.wait_for_selector("text=Re-send: 2 delivered.")
    assert Notification.objects.filter(status="DELIVERED").count() == 2
    screenshot("notifications")

    log_out(page)


def test_a_lead_fixes_a_rule_then_an_analyst_replays_the_rejected_record(
    live_server_url, chromium_page, screenshot, back_office
):
    page, base = chromium_page, live_server_url
    selfie = DocumentRule.objects.create(
        traitement_type="KYC", entity_type="PERSON", document_type="SELFIE", is_active=False
    )
    log_in(page, base, "lee")
    page.goto(f"{base}/admin/cases/documentrule/{selfie.pk}/change/")
    page.check("input[name=is_active]")
    page.click("input[name=_save]")
    page.wait_for_selector("text=was changed successfully")
    log_out(page)

    log_in(page, base, "ann")
    page.goto(f"{base}/admin/cases/documentrule/{selfie.pk}/change/")
    page.wait_for_selector("#content-main")
    assert page.locator("input[name=_save]").count() == 0  # analysts only view rules
    page.goto(f"{base}/admin/cases/rawevent/?status__exact=REJECTED")
    assert "kyc-late" in page.locator("#result_list").inner_text()
    run_action(page, "replay_raw_events")
    page.wait_for_selector("text=Replayed 1: PROCESSED 1.")
    raw = RawEvent.objects.get(pk=back_office["rejected"].pk)
    assert raw.status == "PROCESSED"
    page.goto(f"{base}/admin/cases/rawevent/{raw.pk}/change/")
    assert "kyc-late" in page.locator(".casemgmt-json").inner_text()
    screenshot("raw-event")
    page.click("a:text('open case')")
    expect(page.locator("tr[data-document=SELFIE]")).to_have_count(1)
    log_out(page)


def test_a_user_who_is_not_staff_cannot_reach_the_back_office(
    live_server_url, chromium_page, django_user_model
):
    django_user_model.objects.create_user("client-user", password=PASSWORD)
    page = chromium_page
    page.goto(f"{live_server_url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", "client-user")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    assert "for a staff account" in page.locator(".errornote").inner_text()
    page.goto(f"{live_server_url}/admin/")
    assert "/admin/login/" in page.url
