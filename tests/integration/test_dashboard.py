"""The admin dashboard's figures (cases.selectors, Dashboard section) on the real database."""

import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from cases.selectors import compute_dashboard, get_dashboard
from cases.workflow.commands import ChangeCaseStatus
from cases.workflow.services import change_case_status
from tests.integration.helpers import open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]


def _kyc(client_id: str, case_type: str = "INDIVIDUAL_STANDARD") -> dict:
    return {
        "client_id": client_id,
        "version": "1.0",
        "type": case_type,
        "traitement_type": "KYC",
        "persons": [{"firstname": "Ann", "lastname": "Lee"}],
    }


def test_dashboard_counts_open_cases_by_status_and_type_and_ignores_closed_ones():
    first = open_case(_kyc("dash-1"))
    open_case(_kyc("dash-2", "ENHANCED_DUE_DILIGENCE"))
    closed = open_case(_kyc("dash-3"))
    change_case_status(ChangeCaseStatus(case_id=first.pk, new_status="IN_REVIEW", actor="t"))
    change_case_status(ChangeCaseStatus(case_id=closed.pk, new_status="CLOSED", actor="t"))

    figures = compute_dashboard(now=timezone.now())

    assert figures.open_by_status == {"OPEN": {"KYC": 1}, "IN_REVIEW": {"KYC": 1}}
    assert figures.open_by_case_type == {"ENHANCED_DUE_DILIGENCE": 1, "INDIVIDUAL_STANDARD": 1}
    assert [row["client_id"] for row in figures.oldest_open] == ["dash-1", "dash-2"]
    assert len(figures.opened_per_day) == 30
    assert figures.opened_per_day[-1] == (timezone.now().date(), 3)
    assert sum(count for _, count in figures.opened_per_day[:-1]) == 0
    assert figures.raw_events_last_24h == {"REJECTED": 0, "FAILED": 0}
    assert figures.notifications == {"PENDING": 0, "FAILED": 0}  # no rules seeded here


def test_dashboard_is_served_from_the_cache_until_it_expires():
    cache.clear()
    before = get_dashboard()
    open_case(_kyc(f"dash-{uuid.uuid4().hex[:6]}"))
    assert get_dashboard() == before
    cache.clear()
    assert get_dashboard().opened_per_day[-1][1] == before.opened_per_day[-1][1] + 1
    assert get_dashboard().computed_at - before.computed_at < timedelta(minutes=5)
