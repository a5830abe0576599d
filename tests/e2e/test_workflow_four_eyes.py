"""Four eyes in a real browser (SPEC §3a): analyst A proposes approval, A cannot approve it,
lead B approves it, and the case timeline names both.

Headless Debian Chromium against a live server on this run's test database; the case is opened
and its documents verified through the services, the decision steps are clicked.
"""

import pytest

from cases.admin.groups import ANALYST, LEAD, ensure_back_office_user
from cases.documents.rules import seed_document_rules
from cases.models import ApprovalRule, DocumentRule, SlaRule
from cases.workflow.rules import seed_workflow_rules
from tests.integration.helpers import open_case, settle_documents

pytestmark = [pytest.mark.integration]

PASSWORD = "e2e-pass-1234"
KYC = {
    "client_id": "kyc-four-eyes",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Grace", "lastname": "Hopper"}],
}


@pytest.fixture
def verified_case(transactional_db):
    seed_document_rules(DocumentRule)
    seed_workflow_rules(ApprovalRule, SlaRule)
    for username, group in (("ana", ANALYST), ("bert", LEAD)):
        user, _ = ensure_back_office_user(username, PASSWORD, group)
        user.set_password(PASSWORD)
        user.save()
    case = open_case(KYC)
    settle_documents(case.pk)
    return case


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def test_analyst_proposes_cannot_approve_and_a_lead_approves(
    live_server_url, chromium_page, screenshot, verified_case
):
    page, base = chromium_page, live_server_url
    case_url = f"{base}/admin/cases/case/{verified_case.pk}/change/"
    log_in(page, base, "ana")
    page.goto(f"{base}/admin/cases/case/")
    page.click("#claim-next-form input[type=submit]")
    page.wait_for_selector("#workflow")
    assert page.locator("#case-assignee").inner_text() == "ana"
    page.select_option("#status-form select", "IN_REVIEW")
    page.click("#status-form input[type=submit]")
    page.wait_for_selector("#propose-form")

    page.select_option("#propose-form select", "APPROVED")
    page.fill("#propose-form textarea", "Passport and address verified")
    page.click("#propose-form input[type=submit]")
    page.wait_for_selector("#pending-decision")
    assert page.locator("#case-status").inner_text() == "PENDING_APPROVAL"
    assert page.locator("#approve-form").count() == 0  # A cannot approve her own proposal
    assert "four eyes" in page.locator("#approval-refusal").inner_text()
    screenshot("four-eyes-proposer")
    page.click("#logout-form button")

    log_in(page, base, "bert")
    page.goto(case_url)
    assert "Passport and address verified" in page.locator("#pending-decision").inner_text()
    page.click("#approve-form input[type=submit]")
    page.wait_for_selector("text=Decision approved")

    assert page.locator("#case-status").inner_text() == "APPROVED"
    timeline = page.locator("#timeline").inner_text()
    assert "ana proposed APPROVED: Passport and address verified" in timeline
    assert "bert approved APPROVED (four eyes)" in timeline
    assert "USER:ana" in timeline and "USER:bert" in timeline
    screenshot("four-eyes-approved")
