"""Fixtures for the admin tests: back-office users in their groups, and a KYB case."""

import pytest
from django.test import Client

from cases.admin.groups import ANALYST, LEAD, ensure_back_office_user
from tests.integration.helpers import open_case

KYB = {
    "client_id": "kyb-admin",
    "version": "1.0",
    "type": "COMPANY_STANDARD",
    "traitement_type": "KYB",
    "company_profile": {
        "registered_name": "Admin Test SA",
        "registration_number": "LU-8",
        "country_of_incorporation": "LU",
        "registered_address": {"street": "1 Rue Test", "city": "Luxembourg", "country": "LU"},
    },
    "persons": [{"firstname": "Ada", "lastname": "Director", "role_in_company": "Director"}],
    "beneficial_owners": [
        {
            "person_details": {"firstname": "Olga", "lastname": "Owner"},
            "ownership_percentage": 60,
            "types_of_control": ["SHARES"],
            "is_ubo": True,
        }
    ],
}


@pytest.fixture
def analyst_client() -> Client:
    user, _ = ensure_back_office_user("ann-analyst", "analyst-pass-1", ANALYST)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def lead_client() -> Client:
    user, _ = ensure_back_office_user("lee-lead", "lead-pass-1", LEAD)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def kyb_case(document_rules):
    return open_case(KYB)
