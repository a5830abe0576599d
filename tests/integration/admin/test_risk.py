"""Risk in the back office (SPEC §3d, §8): the case page's Risk panel and its four-eyes
override, the risk model's versions edited by leads, the "High risk" queue, the client page's
level history and the dashboard's clients by level. Cases are opened and rated through the
real intake; every override step is posted from the forms the page drew."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from cases.admin.groups import ANALYST, ensure_back_office_user
from cases.models import Case, RiskModel, StoredEvent
from cases.models import Client as ClientRow
from cases.selectors.risk_overview import compute_risk_overview
from tests.integration.admin.conftest import KYB
from tests.integration.helpers import open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules", "risk_model"),
]

# Rated by the seeded model version 1 (illustrative lists, migration 0023): a Luxembourg
# company whose owner holds all of it is LOW; incorporated in a "medium" country (10) and in a
# "medium" sector (10) it is MEDIUM.
LOW_KYB = {
    **KYB,
    "client_id": "kyb-risk-low",
    "beneficial_owners": [{**KYB["beneficial_owners"][0], "ownership_percentage": 100}],
}
MEDIUM_KYB = {
    **LOW_KYB,
    "client_id": "kyb-risk-medium",
    "company_profile": {
        **KYB["company_profile"],
        "country_of_incorporation": "PA",
        "registered_address": {"country": "PA"},
        "industry_sector": "real estate",
    },
}


def _client(username: str, group: str) -> Client:
    user, _ = ensure_back_office_user(username, f"{username}-pass-1", group)
    client = Client()
    client.force_login(user)
    return client


def _page(client: Client, case: Case) -> str:
    response = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _panel(html: str) -> str:
    return re.search(r'<section class="casemgmt-card" id="risk">.*?</section>', html, re.S).group(0)


def _hidden(html: str, form_id: str) -> dict[str, str]:
    block = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S).group(0)
    return dict(re.findall(r'type="hidden" name="([\w-]+)" value="([^"]*)"', block))


def _post(client: Client, action: str, case: Case, html: str, form_id: str, **fields) -> str:
    data = {**_hidden(html, form_id), **{f"risk-{k}": v for k, v in fields.items()}}
    response = client.post(
        reverse(f"admin:cases_case_risk_{action}", args=[case.pk]), data, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


def _propose(client: Client, case: Case, level: str, rationale: str = "x") -> str:
    """Propose from the page the client sees now."""
    html = _page(client, case)
    return _post(
        client, "propose", case, html, "risk-propose-form", level=level, rationale=rationale
    )


def _model_form(current: RiskModel, **changes) -> dict[str, str]:
    """The risk model's change form as posted: every JSON field, some of them changed."""
    fields = ("factors", "thresholds", "country_lists", "sector_risk", "case_type_risk")
    values = {name: getattr(current, name) for name in fields} | changes
    return {"name": current.name, **{name: json.dumps(value) for name, value in values.items()}}


@pytest.fixture
def medium_case() -> Case:
    return open_case(MEDIUM_KYB)


def test_the_risk_panel_shows_level_score_each_factor_with_its_points_and_the_model(
    analyst_client, medium_case
):
    case = Case.objects.get(pk=medium_case.pk)
    assert case.risk_level == "MEDIUM"

    panel = _panel(_page(analyst_client, case))

    assert 'id="risk-level">MEDIUM<' in panel
    assert f'id="risk-score">{case.risk_score}<' in panel
    assert f"version {case.risk_model_version}" in panel
    assert case.risk_assessed_at.strftime("%Y-%m-%d %H:%M") in panel
    rows = re.findall(
        r'<tr data-factor="([^"]+)"><td>[^<]*</td><td>([^<]*)</td><td[^>]*>(\d+)<', panel
    )
    assert {(f["factor"], str(f["points"])) for f in case.risk_factors} == {
        (factor, points) for factor, _, points in rows
    }
    assert any("PA" in detail for _, detail, _ in rows)  # the reason names the country
    assert 'id="risk-propose-form"' in panel  # an analyst may propose an override


def test_an_override_needs_a_rationale_the_proposer_is_refused_and_a_lead_approves_it(
    analyst_client, lead_client, medium_case
):
    html = _page(analyst_client, medium_case)
    no_reason = _post(
        analyst_client,
        "propose",
        medium_case,
        html,
        "risk-propose-form",
        level="HIGH",
        rationale="",
    )
    assert "Rationale: This field is required." in no_reason
    assert Case.objects.get(pk=medium_case.pk).risk_override is None

    html = _page(analyst_client, medium_case)
    proposed = _post(
        analyst_client,
        "propose",
        medium_case,
        html,
        "risk-propose-form",
        level="HIGH",
        rationale="Adverse press on the owner's other companies",
    )
    assert "Override to HIGH proposed" in proposed
    pending = Case.objects.get(pk=medium_case.pk).risk_override
    assert (pending["level"], pending["proposed_by"]) == ("HIGH", "ann-analyst")
    panel = _panel(proposed)
    assert 'id="risk-approve-form"' not in panel  # the proposer is offered no approval...
    assert "four eyes" in panel and "ann-analyst" in panel  # ...and reads why

    # ...and a crafted approval from the proposer is refused by the service, with the reason.
    crafted = {
        "risk-request_id": "crafted-approve",
        "risk-expected_version": str(Case.objects.get(pk=medium_case.pk).version),
    }
    refused = analyst_client.post(
        reverse("admin:cases_case_risk_approve", args=[medium_case.pk]), crafted, follow=True
    ).content.decode()
    assert "Refused:" in refused and "ann-analyst" in refused
    assert Case.objects.get(pk=medium_case.pk).risk_level == "MEDIUM"

    html = _page(lead_client, medium_case)
    assert "Adverse press on the owner" in _panel(html)
    approved = _post(lead_client, "approve", medium_case, html, "risk-approve-form")
    assert "Risk override approved" in approved
    case = Case.objects.get(pk=medium_case.pk)
    assert case.risk_level == "HIGH" and case.risk_override is None
    assert (case.risk_overridden["proposed_by"], case.risk_overridden["approved_by"]) == (
        "ann-analyst",
        "lee-lead",
    )
    assert 'id="risk-overridden"' in _panel(approved)
    timeline = re.search(r'id="timeline".*?</section>', approved, re.S).group(0)
    assert "ann-analyst proposed a risk override to HIGH" in timeline
    assert "lee-lead approved the risk override (four eyes)" in timeline
    assert "Raised to ENHANCED_DUE_DILIGENCE (was COMPANY_STANDARD)" in timeline  # HIGH's effect


def test_a_lead_returns_an_override_with_a_reason_and_the_computed_level_stands(
    analyst_client, lead_client, medium_case
):
    _propose(analyst_client, medium_case, "LOW")
    html = _page(lead_client, medium_case)

    returned = _post(
        lead_client, "return", medium_case, html, "risk-return-form", reason="No evidence given"
    )

    assert "Risk override returned" in returned
    case = Case.objects.get(pk=medium_case.pk)
    assert (case.risk_level, case.risk_override) == ("MEDIUM", None)
    assert StoredEvent.objects.filter(case_id=case.pk, event_type="RiskOverrideReturned").exists()


def test_an_analyst_who_is_not_a_lead_cannot_approve_another_analysts_override(
    analyst_client, medium_case
):
    _propose(analyst_client, medium_case, "HIGH")
    colleague = _client("bea-analyst", ANALYST)

    panel = _panel(_page(colleague, medium_case))

    assert 'id="risk-approve-form"' not in panel
    assert "Compliance lead" in re.search(r'id="risk-approval-refusal">([^<]*)', panel).group(1)


def test_override_posts_need_the_change_permission_server_side(django_user_model, medium_case):
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_case"))
    client = Client()
    client.force_login(viewer)

    panel = _panel(_page(client, medium_case))
    response = client.post(
        reverse("admin:cases_case_risk_propose", args=[medium_case.pk]),
        {
            "risk-level": "LOW",
            "risk-rationale": "x",
            "risk-request_id": "r",
            "risk-expected_version": "1",
        },
    )

    assert 'id="risk-propose-form"' not in panel and "needs cases.change_case" in panel
    assert response.status_code == 403
    assert Case.objects.get(pk=medium_case.pk).risk_override is None


def test_the_high_risk_queue_lists_high_and_prohibited_cases_only(analyst_client, medium_case):
    low = open_case(LOW_KYB)
    prohibited = open_case(
        {
            **LOW_KYB,
            "client_id": "kyb-risk-prohibited",
            "company_profile": {**KYB["company_profile"], "country_of_incorporation": "KP"},
        }
    )
    assert Case.objects.get(pk=prohibited.pk).risk_level == "PROHIBITED"
    assert Case.objects.get(pk=low.pk).risk_level == "LOW"

    listing = analyst_client.get(reverse("admin:cases_case_changelist"), {"queue": "high_risk"})

    html = listing.content.decode()
    assert "kyb-risk-prohibited" in html
    assert "kyb-risk-medium" not in html and "kyb-risk-low" not in html
    panel = _panel(_page(analyst_client, Case.objects.get(pk=prohibited.pk)))
    assert 'id="risk-propose-form"' not in panel  # the model's verdict, not an opinion
    assert "cannot be overridden" in panel


def test_a_lead_edit_of_the_risk_model_saves_a_new_current_version_and_keeps_the_old(lead_client):
    current = RiskModel.objects.get(is_current=True)
    url = reverse("admin:cases_riskmodel_change", args=[current.pk])
    assert lead_client.get(url).status_code == 200
    form = _model_form(
        current,
        factors={**current.factors, "country_medium": 15},
        country_lists={**current.country_lists, "medium": ["pa", "ae"]},
    )

    saved = lead_client.post(url, form, follow=True).content.decode()

    newest = RiskModel.objects.get(is_current=True)
    assert newest.version == current.version + 1
    assert f"Saved as version {newest.version}, now current" in saved
    assert newest.factors["country_medium"] == 15 and newest.country_lists["medium"] == ["AE", "PA"]
    assert newest.created_by == "lee-lead"
    before = RiskModel.objects.get(pk=current.pk)
    assert (before.is_current, before.factors) == (False, current.factors)  # never in place


def test_a_risk_model_the_rating_cannot_read_is_refused_with_the_field_named(lead_client):
    current = RiskModel.objects.get(is_current=True)
    url = reverse("admin:cases_riskmodel_change", args=[current.pk])
    country = _model_form(current, country_lists={"high": ["Iran"]})
    falling = _model_form(current, thresholds={"MEDIUM": 50, "HIGH": 20, "PROHIBITED": 100})

    by_country = lead_client.post(url, country).content.decode()
    by_threshold = lead_client.post(url, falling).content.decode()

    assert "ISO 3166-1 alpha-2 codes expected" in by_country
    assert "thresholds must rise" in by_threshold
    assert RiskModel.objects.count() == 1 and RiskModel.objects.get().is_current


def test_analysts_read_the_risk_model_but_cannot_edit_or_delete_it(analyst_client, lead_client):
    current = RiskModel.objects.get(is_current=True)
    url = reverse("admin:cases_riskmodel_change", args=[current.pk])
    page = analyst_client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert analyst_client.post(url, {"name": "mine"}).status_code == 403
    delete = reverse("admin:cases_riskmodel_delete", args=[current.pk])
    assert lead_client.post(delete, {"post": "yes"}).status_code == 403
    assert RiskModel.objects.filter(pk=current.pk, name=current.name).exists()


def test_the_client_page_shows_the_level_and_each_change_with_its_reason(
    analyst_client, lead_client, medium_case
):
    _propose(analyst_client, medium_case, "HIGH")
    _post(lead_client, "approve", medium_case, _page(lead_client, medium_case), "risk-approve-form")
    client = ClientRow.objects.get(client_id=MEDIUM_KYB["client_id"])

    page = analyst_client.get(reverse("admin:cases_client_change", args=[client.pk]))

    html = page.content.decode()
    assert client.risk_level == "HIGH"
    history = re.search(r"Risk level history.*?</table>", html, re.S).group(0)
    rows = re.findall(r"<tr><td>(.*?)</tr>", history, re.S)
    assert "casemgmt-risk-high" in rows[0] and "casemgmt-risk-medium" in rows[1]  # newest first
    assert all((change.get("reason") or "—") in history for change in client.risk_history)
    assert "Next review" in html


def test_the_dashboard_counts_clients_by_level(analyst_client, medium_case):
    open_case(LOW_KYB)

    figures = compute_risk_overview(now=medium_case.created_at)
    html = analyst_client.get(reverse("admin:index")).content.decode()

    assert (figures.clients_by_level["LOW"], figures.clients_by_level["MEDIUM"]) == (1, 1)
    levels = re.search(r'id="dash-risk-levels".*?</section>', html, re.S).group(0)
    assert re.search(r'data-level="MEDIUM">.*?casemgmt-count">1<', levels, re.S)
    assert 'id="dash-reviews"' in html and "<svg" in html
