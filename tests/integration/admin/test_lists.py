"""List pages: every one renders for an analyst, and none counts a whole collection."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.admin.cases import CaseAdmin
from cases.selectors import get_dashboard
from tests.integration.admin.conftest import KYB
from tests.integration.helpers import open_case

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LISTS = ("case", "company", "documentrequirement", "storedevent", "rawevent", "notification")


def test_every_back_office_list_and_page_renders_for_an_analyst(analyst_client, kyb_case):
    for model in LISTS:
        response = analyst_client.get(reverse(f"admin:cases_{model}_changelist"))
        assert response.status_code == 200, model
    company = reverse("admin:cases_company_change", args=[kyb_case.company_id])
    html = analyst_client.get(company).content.decode()
    assert "Ada Director" in html and "Olga Owner" in html and "kyb-admin" in html


@pytest.mark.parametrize("query", [{}, {"status__exact": "OPEN", "traitement_type__exact": "KYB"}])
def test_the_case_list_runs_no_unbounded_query_on_the_cases_collection(
    analyst_client, kyb_case, monkeypatch, query
):
    """Every command the page sends to `cases` carries a `$limit`: the count is capped (the
    paginator), the page is a slice. One row per page and two cases, so the list is paged."""
    open_case({**KYB, "client_id": "kyb-admin-2"})
    monkeypatch.setattr(CaseAdmin, "list_per_page", 1)
    get_dashboard()  # cached figures (indexed counts of their own, tested elsewhere)
    with CaptureQueriesContext(connection) as queries:
        response = analyst_client.get(reverse("admin:cases_case_changelist"), query)
    assert response.status_code == 200
    assert "kyb-admin" in response.content.decode()
    on_cases = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("db.cases.")]
    assert on_cases
    assert all("'$limit'" in sql for sql in on_cases), on_cases
