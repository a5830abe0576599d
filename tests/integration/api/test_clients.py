"""GET /api/v1/clients and /api/v1/clients/{client_id} (SPEC §3b)."""

import pytest

from cases.workflow.commands import ChangeCaseStatus
from cases.workflow.services import change_case_status
from tests.integration.api.payloads import KYB, KYC
from tests.integration.helpers import open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

CLIENTS = "/api/v1/clients"


def test_list_needs_view_client_permission(make_caller):
    assert make_caller("cases.view_case").get(CLIENTS).status_code == 403


def test_clients_filter_by_traitement_type_and_open_case_and_page_by_cursor(make_caller):
    for n in range(5):
        open_case({**KYC, "client_id": f"kyc-{n}"})
    closed = open_case({**KYB, "client_id": "kyb-closed"})
    change_case_status(ChangeCaseStatus(case_id=closed.pk, new_status="CLOSED", actor="lead"))
    caller = make_caller("cases.view_client")

    first = caller.get(CLIENTS, traitement_type="kyc", limit=3).json()
    rest = caller.get(CLIENTS, traitement_type="kyc", limit=3, cursor=first["next_cursor"]).json()
    assert [c["client_id"] for c in first["items"] + rest["items"]] == [
        f"kyc-{n}" for n in range(5)
    ]
    assert rest["next_cursor"] is None
    without_open = caller.get(CLIENTS, has_open_case="false").json()["items"]
    assert [(c["client_id"], c["open_case_id"]) for c in without_open] == [("kyb-closed", None)]
    assert without_open[0]["display_name"] == "Api Works SA"


def test_client_detail_lists_every_case_newest_first_and_unknown_is_404(make_caller):
    first = open_case(KYC)
    change_case_status(ChangeCaseStatus(case_id=first.pk, new_status="CLOSED", actor="lead"))
    second = open_case(KYC)
    caller = make_caller("cases.view_client")

    body = caller.get(f"{CLIENTS}/{KYC['client_id']}").json()

    assert body["open_case_id"] == str(second.pk)
    assert body["case_ids"] == [str(first.pk), str(second.pk)]
    assert [(c["id"], c["status"]) for c in body["cases"]] == [
        (str(second.pk), "OPEN"),
        (str(first.pk), "CLOSED"),
    ]
    assert body["display_name"] == "Grace Hopper"
    missing = caller.get(f"{CLIENTS}/nobody")
    assert missing.status_code == 404 and missing.json()["detail"]
