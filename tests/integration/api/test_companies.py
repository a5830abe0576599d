"""Companies over the API: the profile, its beneficial owners and its persons."""

import uuid

import pytest

from tests.integration.api.payloads import KYB
from tests.integration.helpers import open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]


def test_company_profile_owners_and_persons_are_readable_with_their_permissions(make_caller):
    company = open_case(KYB).company_id
    caller = make_caller("cases.view_company", "cases.view_beneficialowner", "cases.view_person")
    profile = caller.get(f"/api/v1/companies/{company}").json()
    assert profile["registered_address"] == {
        "street": None,
        "city": "Luxembourg",
        "state_province": None,
        "postal_code": None,
        "country": "LU",
    }
    owners = caller.get(f"/api/v1/companies/{company}/beneficial-owners").json()["items"]
    assert [(o["person_details"]["lastname"], o["ownership_percentage"]) for o in owners] == [
        ("Owner", 60.0)
    ]
    persons = caller.get(f"/api/v1/companies/{company}/persons").json()["items"]
    assert [(p["lastname"], p["role_in_company"]) for p in persons] == [("Boss", "Director")]


def test_company_reads_need_their_view_permission(make_caller):
    company = open_case(KYB).company_id
    caller = make_caller("cases.view_company")
    assert caller.get(f"/api/v1/companies/{company}").status_code == 200
    assert caller.get(f"/api/v1/companies/{company}/beneficial-owners").status_code == 403
    assert caller.get(f"/api/v1/companies/{company}/persons").status_code == 403


def test_an_unknown_company_is_404(make_caller):
    caller = make_caller("cases.view_company", "cases.view_beneficialowner", "cases.view_person")
    for suffix in ("", "/beneficial-owners", "/persons"):
        assert caller.get(f"/api/v1/companies/{uuid.uuid4()}{suffix}").status_code == 404
