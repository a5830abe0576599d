"""Shared reads (cases.selectors) against the real database: one indexed query per list."""

import uuid

import pytest

from cases.core import events as ev
from cases.core.errors import NotFound
from cases.documents.commands import UpdateDocumentStatus
from cases.documents.services import update_document_status
from cases.selectors import (
    get_case,
    get_case_detail,
    get_case_timeline,
    list_case_requirements,
    list_cases,
)
from cases.workflow.commands import AddCaseNote
from cases.workflow.services import add_case_note
from tests.integration.helpers import open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

KYB = {
    "client_id": "kyb-selectors",
    "version": "1.0",
    "type": "COMPANY_STANDARD",
    "traitement_type": "KYB",
    "company_profile": {
        "registered_name": "Selectors SA",
        "registration_number": "LU-77",
        "country_of_incorporation": "LU",
        "registered_address": {"city": "Luxembourg", "country": "LU"},
    },
    "persons": [{"firstname": "Ada", "lastname": "Boss", "role_in_company": "Director"}],
    "beneficial_owners": [{"person_details": {"firstname": "Olga", "lastname": "Owner"}}],
}


def test_case_detail_gathers_company_persons_owners_and_requirements():
    case = open_case(KYB)
    detail = get_case_detail(str(case.pk))
    assert detail.company.registered_name == "Selectors SA"
    assert [p.lastname for p in detail.persons] == ["Boss"]
    assert [o.person.lastname for o in detail.owners] == ["Owner"]
    # company: 2 documents; director and owner: 1 each
    assert len(detail.requirements) == 4


def test_timeline_holds_the_events_of_every_aggregate_of_the_case_in_order():
    case = open_case(KYB)
    requirement = list_case_requirements(case.pk, entity_type="company").first()
    update_document_status(
        UpdateDocumentStatus(
            requirement_id=requirement.pk,
            new_status="UPLOADED",
            actor_type="USER",
            actor_id="alice",
        )
    )
    add_case_note(AddCaseNote(case_id=case.pk, text="called the client", actor="USER:alice"))
    types = [event.event_type for event in get_case_timeline(case.pk)]
    assert types[:4] == [
        ev.COMPANY_PROFILE_CREATED,
        ev.CASE_CREATED,
        ev.PERSON_LINKED_TO_COMPANY,
        ev.BENEFICIAL_OWNER_ADDED,
    ]
    assert types.count(ev.DOCUMENT_REQUIREMENT_DETERMINED) == 4
    assert types[-2:] == [ev.DOCUMENT_STATUS_UPDATED, ev.CASE_NOTE_ADDED]


def test_other_cases_do_not_leak_into_a_timeline():
    first, second = open_case(KYB), open_case({**KYB, "client_id": "other"})
    assert {e.case_id for e in get_case_timeline(first.pk)} == {first.pk}
    assert second.pk != first.pk


def test_list_cases_filters_and_sorts_newest_first():
    older = open_case({**KYB, "client_id": "a"})
    newer = open_case({**KYB, "client_id": "b"})
    assert list(list_cases()) == [newer, older]
    assert list(list_cases(client_id="a")) == [older]
    assert list(list_cases(traitement_type="kyb", status="open")) == [newer, older]
    assert list(list_cases(traitement_type="KYC")) == []


def test_single_reads_raise_not_found_for_unknown_or_malformed_ids():
    with pytest.raises(NotFound):
        get_case(uuid.uuid4())
    with pytest.raises(NotFound):
        get_case("not-a-uuid")
