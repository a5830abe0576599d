"""Periodic review in the back office (SPEC §3d, §8): the "Reviews due in 30 days" queue of the
case list, the client page's next review date, the client list's review filter, the cadence
page, and the dashboard's reviews per month. Clients are approved through the real workflow;
an approval dated in the past (the command's `occurred_at`) sets a review date that is near."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.core.periodic import run_periodic_checks
from cases.models import Case, Client, ReviewCadence
from cases.reviews.cadence import add_months, seed_cadences
from cases.selectors.risk_overview import compute_risk_overview
from cases.workflow.commands import ApproveDecision, AssignCase, ChangeCaseStatus, ProposeDecision
from cases.workflow.services import (
    approve_decision,
    assign_case,
    change_case_status,
    propose_decision,
)
from tests.integration.helpers import open_case, settle_documents

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules", "risk_model", "cadences"),
]


@pytest.fixture
def cadences() -> None:
    seed_cadences(ReviewCadence)


# No factor of the seeded model applies: LOW, reviewed every 60 months.
KYC = {
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Ada", "lastname": "Lovelace", "birthdate": "1985-12-10"}],
}


def approved(client_id: str, *, months_ago: int, days_ago: int = 0) -> Client:
    """A LOW client approved by four eyes (ann proposes, lee approves) at a past date."""
    case = open_case({**KYC, "client_id": client_id})
    change_case_status(ChangeCaseStatus(case.pk, "IN_REVIEW", "USER:ann-analyst"))
    assign_case(AssignCase(case.pk, "ann-analyst", "USER:lee-lead"))
    settle_documents(case.pk)
    propose_decision(ProposeDecision(case.pk, "APPROVED", "checked", "ann-analyst"))
    at = add_months(timezone.now(), -months_ago) - timedelta(days=days_ago)
    approve_decision(ApproveDecision(case.pk, "lee-lead", occurred_at=at))
    return Client.objects.get(client_id=client_id)


def test_reviews_due_in_30_days_lists_the_approved_case_of_clients_due_soon(
    analyst_client, lead_client
):
    soon = approved("kyb-due-soon", months_ago=60, days_ago=-10)  # due in 10 days
    later = approved("kyb-due-later", months_ago=0)  # due in five years
    assert soon.next_review_at < timezone.now() + timedelta(days=30) < later.next_review_at

    listing = analyst_client.get(reverse("admin:cases_case_changelist"), {"queue": "reviews_due"})

    html = listing.content.decode()
    assert "kyb-due-soon" in html and "kyb-due-later" not in html
    clients = analyst_client.get(reverse("admin:cases_client_changelist"), {"review_due": "30"})
    assert "kyb-due-soon" in clients.content.decode()
    assert "kyb-due-later" not in clients.content.decode()


def test_the_client_page_shows_the_next_review_date(analyst_client, lead_client):
    client = approved("kyb-next-review", months_ago=0)

    html = analyst_client.get(reverse("admin:cases_client_change", args=[client.pk]))

    assert client.next_review_at.strftime("%Y-%m-%d") in html.content.decode()


def test_once_the_check_opened_the_review_the_client_page_links_to_it(analyst_client, lead_client):
    client = approved("kyb-due-now", months_ago=61)
    run_periodic_checks(now=timezone.now())
    client.refresh_from_db()
    review = Case.objects.get(client_id="kyb-due-now", case_type="PERIODIC_REVIEW")

    html = analyst_client.get(reverse("admin:cases_client_change", args=[client.pk]))

    assert client.last_review_case_id == review.pk
    assert "review in progress" in html.content.decode()
    assert reverse("admin:cases_case_change", args=[review.pk]) in html.content.decode()


def test_the_dashboard_counts_reviews_due_per_month(analyst_client, lead_client):
    approved("kyb-due-this-month", months_ago=60, days_ago=-1)
    approved("kyb-due-earlier", months_ago=61)

    now = timezone.now()
    figures = compute_risk_overview(now=now)
    html = analyst_client.get(reverse("admin:index")).content.decode()

    due = Client.objects.get(client_id="kyb-due-this-month").next_review_at
    month = {start.month: count for start, count in figures.reviews_due_per_month}
    assert month[due.month] == 1 and figures.reviews_overdue == 1
    assert sum(month.values()) == 1
    chart = re.search(r'id="dash-reviews".*?</section>', html, re.S).group(0)
    assert "<svg" in chart and f"<title>{due.strftime('%b %Y')}: 1</title>" in chart
    assert "<title>late, not opened yet: 1</title>" in chart


def test_leads_edit_the_review_cadence_in_place_and_analysts_only_read_it(
    analyst_client, lead_client
):
    high = ReviewCadence.objects.get(level="HIGH")
    changelist = reverse("admin:cases_reviewcadence_changelist")
    assert analyst_client.get(changelist).status_code == 200
    change = reverse("admin:cases_reviewcadence_change", args=[high.pk])

    assert analyst_client.post(change, {"level": "HIGH", "months": 6}).status_code == 403
    response = lead_client.post(change, {"level": "HIGH", "months": 6})

    assert response.status_code == 302
    assert ReviewCadence.objects.get(pk=high.pk).months == 6
