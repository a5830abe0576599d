"""The workflow in the back office (SPEC §3a): claim-next button, queues, the assign action,
propose / approve / return on the case page, due dates and the dashboard tiles."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases.admin.groups import ANALYST, ensure_back_office_user
from cases.models import ApprovalRule, Case, SlaRule
from cases.workflow.commands import ChangeCaseStatus
from cases.workflow.services import change_case_status
from tests.integration.admin.conftest import KYB
from tests.integration.helpers import open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules"),
]


def _page(client, case) -> str:
    return client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()


def _form(html: str, form_id: str) -> dict[str, str]:
    """The hidden fields (request id, version) of one form on the page."""
    block = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S).group(0)
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', block))


def _post(client, name: str, case, html: str, form_id: str, **fields) -> str:
    response = client.post(
        reverse(f"admin:cases_case_{name}", args=[case.pk]),
        {**_form(html, form_id), **fields},
        follow=True,
    )
    return response.content.decode()


@pytest.fixture
def second_analyst_client() -> Client:
    user, _ = ensure_back_office_user("bea-analyst", "analyst-pass-2", ANALYST)
    client = Client()
    client.force_login(user)
    return client


def test_claim_next_button_assigns_the_oldest_case_and_my_cases_lists_it(analyst_client):
    oldest = open_case(KYB)
    open_case({**KYB, "client_id": "kyb-newer"})
    changelist = reverse("admin:cases_case_changelist")
    assert 'id="claim-next-form"' in analyst_client.get(changelist).content.decode()

    page = analyst_client.post(reverse("admin:cases_case_claim_next"), follow=True)

    assert "Case claimed" in page.content.decode()
    assert Case.objects.get(pk=oldest.pk).assignee == "ann-analyst"
    mine = analyst_client.get(changelist, {"queue": "mine"}).content.decode()
    assert "kyb-admin" in mine and "kyb-newer" not in mine


def test_proposer_cannot_approve_and_a_second_analyst_approves_with_the_timeline_naming_both(
    analyst_client, second_analyst_client
):
    case = open_case(KYB)
    change_case_status(ChangeCaseStatus(case.pk, "IN_REVIEW", "USER:ann-analyst"))
    html = _page(analyst_client, case)
    html = _post(analyst_client, "assign", case, html, "assign-form", assignee="ann-analyst")
    assert "Case assigned to ann-analyst" in html

    refused = _post(
        analyst_client, "propose", case, html, "propose-form", decision="APPROVED", rationale="ok"
    )
    assert "Refused: approval needs every required document" in refused
    assert "ARTICLES_OF_ASSOCIATION of Admin Test SA (AWAITING_UPLOAD)" in refused
    proposed = _post(
        analyst_client,
        "propose",
        case,
        _page(analyst_client, case),
        "propose-form",
        decision="REJECTED",
        rationale="sanctions list hit",
    )
    assert "REJECTED proposed" in proposed
    assert 'id="approve-form"' not in proposed
    assert "four eyes: ann-analyst proposed this decision" in proposed

    awaiting = second_analyst_client.get(
        reverse("admin:cases_case_changelist"), {"queue": "awaiting"}
    ).content.decode()
    assert "kyb-admin" in awaiting
    html = _page(second_analyst_client, case)
    assert "sanctions list hit" in html
    approved = _post(second_analyst_client, "approve", case, html, "approve-form", comment="")

    assert "Decision approved" in approved
    assert Case.objects.get(pk=case.pk).status == "REJECTED"
    assert "ann-analyst proposed REJECTED: sanctions list hit" in approved
    assert "bea-analyst approved REJECTED (four eyes)" in approved


def test_a_returned_proposal_shows_the_reason_and_the_case_is_back_in_review(
    analyst_client, lead_client
):
    case = open_case(KYB)
    change_case_status(ChangeCaseStatus(case.pk, "IN_REVIEW", "USER:ann-analyst"))
    html = _post(
        lead_client, "assign", case, _page(lead_client, case), "assign-form", assignee="ann-analyst"
    )
    _post(
        analyst_client,
        "propose",
        case,
        _page(analyst_client, case),
        "propose-form",
        decision="REJECTED",
        rationale="no",
    )
    returned = _post(
        lead_client, "return", case, _page(lead_client, case), "return-form", reason="ask again"
    )
    assert "Decision returned to review" in returned
    assert "lee-lead returned the proposal: ask again" in returned
    assert Case.objects.get(pk=case.pk).status == "IN_REVIEW"
    assert html  # the lead's assignment page rendered


def test_bulk_assign_asks_for_confirmation_then_assigns_each_case(lead_client, analyst_client):
    first, second = open_case(KYB), open_case({**KYB, "client_id": "kyb-2"})
    changelist = reverse("admin:cases_case_changelist")
    selection = {"action": "assign_selected", "_selected_action": [str(first.pk), str(second.pk)]}

    confirm = lead_client.post(changelist, selection).content.decode()
    assert "Yes, assign" in confirm
    assert Case.objects.get(pk=first.pk).assignee is None
    done = lead_client.post(
        changelist, {**selection, "apply": "1", "assignee": "ann-analyst"}, follow=True
    ).content.decode()

    assert "2 case(s) assigned to ann-analyst" in done
    assert {c.assignee for c in Case.objects.filter(pk__in=[first.pk, second.pk])} == {
        "ann-analyst"
    }


def test_the_dashboard_counts_awaiting_approval_and_overdue_cases(lead_client, analyst_client):
    case = open_case(KYB)
    change_case_status(ChangeCaseStatus(case.pk, "IN_REVIEW", "USER:ann-analyst"))
    _post(
        analyst_client,
        "assign",
        case,
        _page(analyst_client, case),
        "assign-form",
        assignee="ann-analyst",
    )
    _post(
        analyst_client,
        "propose",
        case,
        _page(analyst_client, case),
        "propose-form",
        decision="REJECTED",
        rationale="no",
    )
    html = lead_client.get(reverse("admin:index")).content.decode()
    assert re.search(r'id="dash-awaiting">1<', html)
    assert re.search(r'id="dash-awaiting-me">1<', html)
    assert re.search(r'id="dash-overdue">0<', html)
    assert "Due" in _page(lead_client, case)


def test_a_lead_edits_the_approval_and_sla_rules_and_an_analyst_only_reads_them(
    lead_client, analyst_client
):
    rule = SlaRule.objects.get(traitement_type="KYC", case_type="")
    url = reverse("admin:cases_slarule_change", args=[rule.pk])
    edit = {"traitement_type": "KYC", "case_type": "", "days": "7", "is_active": "on"}

    assert analyst_client.get(url).status_code == 200
    assert analyst_client.post(url, edit).status_code == 403
    assert lead_client.post(url, edit).status_code == 302
    assert SlaRule.objects.get(pk=rule.pk).days == 7
    approval = ApprovalRule.objects.get(case_type="ENHANCED_DUE_DILIGENCE")
    assert (
        lead_client.get(reverse("admin:cases_approvalrule_change", args=[approval.pk])).status_code
        == 200
    )
