"""Persons of a case over the API, in message order, paged."""

import uuid

import pytest

from tests.integration.api.payloads import KYC
from tests.integration.helpers import open_case

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_persons_of_a_case_come_in_message_order_page_by_page(make_caller):
    names = [{"firstname": f"P{i}", "lastname": "Family"} for i in range(5)]
    case = open_case({**KYC, "persons": names})
    caller = make_caller("cases.view_person")
    first = caller.get(f"/api/v1/persons/case/{case.pk}", limit=3).json()
    rest = caller.get(f"/api/v1/persons/case/{case.pk}", cursor=first["next_cursor"]).json()
    assert [p["firstname"] for p in first["items"] + rest["items"]] == [f"P{i}" for i in range(5)]
    assert rest["next_cursor"] is None


def test_persons_need_view_person_and_an_existing_case(make_caller):
    case = open_case(KYC)
    assert make_caller("cases.view_case").get(f"/api/v1/persons/case/{case.pk}").status_code == 403
    missing = make_caller("cases.view_person").get(f"/api/v1/persons/case/{uuid.uuid4()}")
    assert missing.status_code == 404
