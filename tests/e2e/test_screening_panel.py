"""Resolving screening hits in a real browser (SPEC §3c): an analyst clears one hit as a false
positive and proposes another as a true match, cannot approve it herself, and a lead approves
it. Saves the Screening panel to docs/screenshots/screening_panel.png.

The list is a tiny FtM file loaded through the real loader and the parties are screened by
the real worker; every decision is clicked.
"""

from pathlib import Path

import pytest

from cases.admin.groups import ANALYST, LEAD, ensure_back_office_user
from cases.documents.rules import seed_document_rules
from cases.models import ApprovalRule, DocumentRule, ScreeningHit, SlaRule
from cases.screening.worker import run_once
from cases.workflow.rules import seed_workflow_rules
from screening.loading import load_watchlist
from tests.e2e.test_workflow_four_eyes import PASSWORD, log_in
from tests.integration.helpers import open_case
from tests.integration.screening.conftest import entity, write_list

pytestmark = [pytest.mark.integration]

PANEL_SCREENSHOT = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "screening_panel.png"
)
KYB = {
    "client_id": "kyb-screening-e2e",
    "version": "1.0",
    "type": "COMPANY_STANDARD",
    "traitement_type": "KYB",
    "company_profile": {
        "registered_name": "Blue Harbour Trading Ltd",
        "registration_number": "BH-1001",
        "country_of_incorporation": "GB",
        "registered_address": {"country": "GB"},
    },
    "persons": [{"firstname": "Ivan", "lastname": "Petrov", "birthdate": "1970-01-01"}],
    "beneficial_owners": [
        {
            "person_details": {
                "firstname": "Marta",
                "lastname": "Kowalczyk",
                "birthdate": "1965-07-09",
            },
            "ownership_percentage": 60,
            "is_ubo": True,
        }
    ],
}
LIST = [
    entity("ivan-1", name="Ivan Petrov", birthDate="1970-01-01", country="ru", topics="sanction"),
    entity(
        "marta-1",
        name=["Marta Kowalczyk", "Marta Kowalczykowa"],
        birthDate="1965-07-09",
        country="pl",
        topics="role.pep",
    ),
]


@pytest.fixture
def screened_case(transactional_db, tmp_path):
    seed_document_rules(DocumentRule)
    seed_workflow_rules(ApprovalRule, SlaRule)
    for username, group in (("ana", ANALYST), ("bert", LEAD)):
        user, _ = ensure_back_office_user(username, PASSWORD, group)
        user.set_password(PASSWORD)
        user.save()
    load_watchlist("demo-sanctions", str(write_list(tmp_path / "list.ftm.json", LIST)))
    case = open_case(KYB)
    assert run_once()["screened"] == 1
    return case


def _hit_row(page, entity_id: str, case_id):
    hit = ScreeningHit.objects.get(case_id=case_id, entity_id=entity_id)
    return page.locator(f"#hit-{hit.pk}")


def test_an_analyst_clears_a_false_positive_proposes_a_match_and_a_lead_approves_it(
    live_server_url, chromium_page, screenshot, screened_case
):
    page, base = chromium_page, live_server_url
    case_url = f"{base}/admin/cases/case/{screened_case.pk}/change/"
    log_in(page, base, "ana")
    page.goto(case_url)
    panel = page.locator("#screening")
    assert "demo-sanctions" in panel.inner_text()
    ivan, marta = (_hit_row(page, e, screened_case.pk) for e in ("ivan-1", "marta-1"))
    assert "1970-01-01" in ivan.inner_text() and "sanction" in ivan.inner_text()
    assert "role.pep" in marta.inner_text() and "Marta Kowalczykowa" in marta.inner_text()

    ivan.locator("textarea").fill("Another Ivan Petrov: our client was never in Russia")
    ivan.locator("button.casemgmt-false-positive").click()
    page.wait_for_selector("text=Hit cleared as a false positive")
    ivan = _hit_row(page, "ivan-1", screened_case.pk)
    assert ivan.get_attribute("data-hit-status") == "FALSE_POSITIVE"

    marta = _hit_row(page, "marta-1", screened_case.pk)
    marta.locator("textarea").fill("Same name, birth date and country: the PEP herself")
    marta.locator("button.casemgmt-true-match").click()
    page.wait_for_selector("text=True match proposed")
    marta = _hit_row(page, "marta-1", screened_case.pk)
    assert marta.get_attribute("data-hit-status") == "MATCH_PROPOSED"
    assert marta.locator(".casemgmt-approve-hit-form").count() == 0  # not a lead, and proposer
    assert "Compliance lead" in marta.locator(".casemgmt-hit-refusal").inner_text()
    screenshot("screening-proposed")
    page.click("#logout-form button")

    log_in(page, base, "bert")
    page.goto(case_url)
    marta = _hit_row(page, "marta-1", screened_case.pk)
    assert "proposed by ana" in marta.inner_text()
    PANEL_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.locator("#screening").screenshot(path=str(PANEL_SCREENSHOT))
    marta.locator(".casemgmt-approve-hit-form input[name$=comment]").fill("Agreed: PEP, EDD")
    marta.locator(".casemgmt-approve-hit-form input[type=submit]").click()
    page.wait_for_selector("text=True match approved")

    marta = _hit_row(page, "marta-1", screened_case.pk)
    assert marta.get_attribute("data-hit-status") == "TRUE_MATCH"
    assert "approved by bert" in marta.inner_text()
    timeline = page.locator("#timeline").inner_text()
    assert "USER:ana" in timeline and "USER:bert" in timeline
    screenshot("screening-approved")
