"""A risk override in a real browser (SPEC §3d): an analyst proposes a higher level with a
rationale, is refused the approval of her own proposal (four eyes), and a lead approves it; the
case, its header and the timeline then show the new level. Saves the Risk panel to
docs/screenshots/risk_panel.png.

The case is opened and rated through the real intake (the seeded risk model); every override
step is clicked.
"""

from pathlib import Path

import pytest

from cases.admin.groups import ANALYST, LEAD, ensure_back_office_user
from cases.documents.rules import seed_document_rules
from cases.models import ApprovalRule, Case, DocumentRule, RiskModel, SlaRule
from cases.risk.versions import seed_risk_model
from cases.workflow.rules import seed_workflow_rules
from tests.e2e.test_workflow_four_eyes import PASSWORD, log_in
from tests.integration.helpers import open_case

pytestmark = [pytest.mark.integration]

PANEL_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "risk_panel.png"
# A company incorporated in a "medium" country of the seeded, illustrative model, in a
# "medium" sector: MEDIUM, with both reasons listed.
KYB = {
    "client_id": "kyb-risk-e2e",
    "version": "1.0",
    "type": "COMPANY_STANDARD",
    "traitement_type": "KYB",
    "company_profile": {
        "registered_name": "Isthmus Property Holdings SA",
        "registration_number": "PA-7781",
        "country_of_incorporation": "PA",
        "registered_address": {"city": "Panama City", "country": "PA"},
        "industry_sector": "real estate",
    },
    "persons": [{"firstname": "Lucia", "lastname": "Arosemena", "role_in_company": "Director"}],
}


@pytest.fixture
def rated_case(transactional_db):
    seed_document_rules(DocumentRule)
    seed_workflow_rules(ApprovalRule, SlaRule)
    seed_risk_model(RiskModel)
    for username, group in (("ana", ANALYST), ("bert", LEAD)):
        user, _ = ensure_back_office_user(username, PASSWORD, group)
        user.set_password(PASSWORD)
        user.save()
    case = open_case(KYB)
    assert Case.objects.get(pk=case.pk).risk_level == "MEDIUM"
    return case


def test_an_analyst_proposes_an_override_cannot_approve_it_and_a_lead_approves(
    live_server_url, chromium_page, screenshot, rated_case
):
    page, base = chromium_page, live_server_url
    case_url = f"{base}/admin/cases/case/{rated_case.pk}/change/"
    log_in(page, base, "ana")
    page.goto(case_url)
    panel = page.locator("#risk")
    assert page.locator("#risk-level").inner_text() == "MEDIUM"
    factors = page.locator("#risk-factors").inner_text()
    assert "PA" in factors and "real estate" in factors

    page.click("#risk-propose summary")  # the form folds away until asked for
    page.select_option("#risk-propose-form select", "HIGH")
    page.fill("#risk-propose-form textarea", "Owner named in a leaked offshore register")
    page.click("#risk-propose-form input[type=submit]")
    page.wait_for_selector("text=Override to HIGH proposed")
    assert "Owner named in a leaked offshore register" in page.locator("#risk-pending").inner_text()
    assert page.locator("#risk-approve-form").count() == 0  # her own proposal
    assert "four eyes" in page.locator("#risk-approval-refusal").inner_text()
    assert page.locator("#risk-level").inner_text() == "MEDIUM"  # nothing applied yet
    screenshot("risk-override-proposed")
    page.click("#logout-form button")

    log_in(page, base, "bert")
    page.goto(case_url)
    assert "Override proposed: HIGH" in page.locator("#risk-pending").inner_text()
    PANEL_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(PANEL_SCREENSHOT))
    page.click("#risk-approve-form input[type=submit]")
    page.wait_for_selector("text=Risk override approved")

    assert page.locator("#risk-level").inner_text() == "HIGH"
    assert "approved by bert" in page.locator("#risk-overridden").inner_text()
    assert "HIGH" in page.locator("#case-risk").inner_text()
    timeline = page.locator("#timeline").inner_text()
    assert "ana proposed a risk override to HIGH" in timeline
    assert "bert approved the risk override (four eyes)" in timeline
    screenshot("risk-override-approved")
