"""The client page and client updates on the case page (SPEC §3b)."""

import copy

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.client_updates.services import route_intake
from cases.intake.commands import CreateCase
from cases.intake.contract import validate_payload
from cases.models import Client
from cases.workflow.commands import ChangeCaseStatus
from cases.workflow.services import change_case_status
from tests.integration.admin.conftest import KYB
from tests.integration.helpers import open_case

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def update(record: dict, source: str) -> None:
    command = CreateCase(
        source=source, message=validate_payload(record), occurred_at=timezone.now()
    )
    (result,) = route_intake([command])
    assert result.outcome == "updated"


def test_client_page_lists_every_case_of_the_client(analyst_client, document_rules):
    first = open_case(KYB)
    change_case_status(ChangeCaseStatus(case_id=first.pk, new_status="CLOSED", actor="lead"))
    second = open_case(KYB)
    client = Client.objects.get(client_id=KYB["client_id"])

    html = analyst_client.get(reverse("admin:cases_client_change", args=[client.pk])).content
    html = html.decode()

    assert "Admin Test SA" in html
    for case in (first, second):
        assert reverse("admin:cases_case_change", args=[case.pk]) in html
    assert html.count("CLOSED") >= 1 and "OPEN" in html
    listing = analyst_client.get(reverse("admin:cases_client_changelist"), {"has_open_case": 1})
    assert KYB["client_id"] in listing.content.decode()


def test_case_timeline_reads_each_client_update_as_a_list_of_changes(analyst_client, kyb_case):
    changed = copy.deepcopy(KYB)
    changed["persons"] = [{"firstname": "Carl", "lastname": "New", "role_in_company": "CEO"}]
    changed["beneficial_owners"][0]["ownership_percentage"] = 45
    update(changed, "test:admin-update")

    html = analyst_client.get(reverse("admin:cases_case_change", args=[kyb_case.pk]))
    html = html.content.decode()

    for text in (
        "Client data updated: 3 changes",
        "person added",
        "Carl New",
        "person removed",
        "Ada Director",
        "ownership percentage: 60.0 → 45.0",
        "removed by a client update",
        "<del>Ada Director</del>",
    ):
        assert text in html, text
