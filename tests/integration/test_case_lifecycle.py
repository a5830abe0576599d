"""Case status changes and notes against the real database, and rebuilding what they produced."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from django.core.management import call_command

from cases.core import bulk
from cases.core.errors import IllegalTransition, InvalidCommand, NotFound, VersionConflict
from cases.core.lifecycle import direct_case_moves
from cases.core.rebuild import READ_MODELS
from cases.core.signals import case_status_changed
from cases.documents.commands import DetermineDocumentRequirements, UpdateDocumentStatus
from cases.documents.services import determine_document_requirements, update_document_status
from cases.models import Case, CaseStatus, DocumentRequirement, DocumentRule, Person, StoredEvent
from cases.workflow.commands import AddCaseNote, AssignCase, ChangeCaseStatus, ProposeDecision
from cases.workflow.rules import ANALYST_GROUP
from cases.workflow.services import add_case_note, assign_case, change_case_status, propose_decision
from tests.integration.helpers import decide, make_user, open_case, record_signals

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

KYC = {
    "client_id": "kyc-lifecycle",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [
        {"firstname": "Ada", "lastname": "Lovelace"},
        {"firstname": "Nino", "lastname": "Quincampoix"},
    ],
}
KYB = {
    "client_id": "kyb-lifecycle",
    "version": "1.0",
    "type": "ENHANCED_DUE_DILIGENCE",
    "traitement_type": "KYB",
    "company_profile": {
        "registered_name": "Lifecycle SA",
        "registration_number": "LU-9",
        "country_of_incorporation": "LU",
        "registered_address": {"city": "Luxembourg", "country": "LU"},
    },
    "persons": [{"firstname": "Ada", "lastname": "Boss", "role_in_company": "Director"}],
    "beneficial_owners": [{"person_details": {"firstname": "Olga", "lastname": "Owner"}}],
}

PAIRS = [(old, new) for old in CaseStatus.values for new in CaseStatus.values]


@pytest.fixture
def analysts() -> None:
    make_user("ana", ANALYST_GROUP)
    make_user("bob", ANALYST_GROUP)


def reach(case_id: uuid.UUID, status: str) -> None:
    """Bring a new case to `status` the way analysts would (decisions take two people)."""
    if status in ("APPROVED", "REJECTED"):
        decide(case_id, status, "ana", "bob")
    elif status == "PENDING_APPROVAL":
        change(case_id, "IN_REVIEW")
        decide_pending(case_id)
    elif status != "OPEN":
        change(case_id, status)


def decide_pending(case_id: uuid.UUID) -> None:
    assign_case(AssignCase(case_id, "ana", "ana"))
    propose_decision(ProposeDecision(case_id, "REJECTED", "no documents", "ana"))


@pytest.fixture
def status_signals():
    """Every case_status_changed sent, with the read model's status at that moment."""
    yield from record_signals(
        case_status_changed, lambda kwargs: Case.objects.get(pk=kwargs["case_id"]).status
    )


def change(case_id: uuid.UUID, new_status: str, **overrides: Any) -> Case:
    values = {"case_id": case_id, "new_status": new_status, "actor": "analyst:eve", **overrides}
    return change_case_status(ChangeCaseStatus(**values))


def note(case_id: uuid.UUID, text: str, **overrides: Any) -> Case:
    values = {"case_id": case_id, "text": text, "actor": "analyst:eve", **overrides}
    return add_case_note(AddCaseNote(**values))


def case_events(case_id: uuid.UUID) -> list[StoredEvent]:
    return list(StoredEvent.objects.filter(aggregate_id=case_id).order_by("version"))


def snapshot() -> dict[str, list[dict]]:
    """Every stored read-model document, as the database holds it."""
    return {
        model.__name__: sorted(bulk.collection(model).find(), key=lambda doc: str(doc["_id"]))
        for model in READ_MODELS
    }


@pytest.mark.usefixtures("analysts")
@pytest.mark.parametrize(("current", "requested"), PAIRS, ids="{0[0]}->{0[1]}".format)
def test_case_transition(current, requested):
    case = open_case(KYC)
    reach(case.id, current)
    allowed = direct_case_moves(current)
    version = Case.objects.get(pk=case.id).version

    if requested in allowed:
        result = change(case.id, requested, reason="checked")
        assert (result.status, result.version) == (requested, version + 1)
        event = case_events(case.id)[-1]
        assert event.event_type == "CaseStatusChanged"
        assert event.payload == {
            "case_id": str(case.id),
            "old_status": current,
            "new_status": requested,
            "reason": "checked",
        }
        return
    with pytest.raises(IllegalTransition) as caught:
        change(case.id, requested)
    assert caught.value.allowed == allowed
    assert (caught.value.current, caught.value.requested) == (current, requested)
    after = Case.objects.get(pk=case.id)
    assert (after.status, after.version) == (current, version)


def test_status_change_is_announced_after_projection(status_signals):
    case = open_case(KYC)

    change(case.id, "in_review", actor="analyst:bob")

    [signal] = status_signals
    assert (signal["old_status"], signal["new_status"], signal["status_when_fired"]) == (
        "OPEN",
        "IN_REVIEW",
        "IN_REVIEW",
    )
    assert signal["case_id"] == case.id
    assert signal["actor"] == "analyst:bob"
    assert signal["event_id"] == case_events(case.id)[-1].event_id


def test_notes_are_appended_and_the_version_counts_the_case_events():
    case = open_case(KYC)  # CaseCreated, two PersonAddedToCase, ScreeningRequested

    note(case.id, "called the client")
    change(case.id, "IN_REVIEW")
    result = note(case.id, "  documents chased  ", actor="analyst:bob")

    assert [(n["author"], n["text"]) for n in result.notes] == [
        ("analyst:eve", "called the client"),
        ("analyst:bob", "documents chased"),
    ]
    events = case_events(case.id)
    assert [e.version for e in events] == list(range(1, len(events) + 1))
    assert result.version == len(events) == 7
    assert [e.event_type for e in events[3:]] == [
        "ScreeningRequested",
        "CaseNoteAdded",
        "CaseStatusChanged",
        "CaseNoteAdded",
    ]
    assert result.notes[-1]["at"] == events[-1].occurred_at.isoformat()
    assert result.updated_at == events[-1].occurred_at
    assert events[-1].payload["note"] == result.notes[-1]
    assert events[-1].metadata["actor"] == "analyst:bob"


def test_a_retried_note_is_added_once():
    case = open_case(KYC)
    command = AddCaseNote(case_id=str(case.id), text="only once", actor="analyst:eve")

    add_case_note(command)
    result = add_case_note(command)

    assert [n["text"] for n in result.notes] == ["only once"]
    assert len(case_events(case.id)) == 5  # opening (4 with ScreeningRequested) + the note


def test_different_requests_get_different_event_ids():
    case = open_case(KYC)
    note(case.id, "same text")
    note(case.id, "same text")

    events = case_events(case.id)[-2:]
    assert events[0].event_id != events[1].event_id
    assert events[0].correlation_id != events[1].correlation_id


def test_stale_expected_version_unknown_case_and_empty_note_are_refused():
    case = open_case(KYC)
    with pytest.raises(VersionConflict) as caught:
        change(case.id, "IN_REVIEW", expected_version=1)
    assert (caught.value.expected, caught.value.current) == (1, 4)
    assert change(case.id, "IN_REVIEW", expected_version=4).version == 5
    with pytest.raises(NotFound):
        change(uuid.uuid4(), "IN_REVIEW")
    with pytest.raises(NotFound):
        note(uuid.uuid4(), "nobody reads this")
    with pytest.raises(InvalidCommand):
        note(case.id, "   ")
    assert len(case_events(case.id)) == 5  # opening (4 with ScreeningRequested) + the change


@pytest.mark.usefixtures("analysts")
def test_rebuild_reproduces_read_models_after_status_changes_notes_and_decisions():
    kyc, kyb = open_case(KYC), open_case(KYB)
    change(kyc.id, "IN_REVIEW")
    note(kyc.id, "client answered")
    decide(kyc.id, "REJECTED", "ana", "bob")
    change(kyb.id, "CLOSED", reason="client withdrew")
    note(kyb.id, "closed at the client's request")
    requirement = DocumentRequirement.objects.filter(case=kyc).order_by("document_type").first()
    update_document_status(
        UpdateDocumentStatus(
            requirement.id, "UPLOADED", "USER", "alice", {"file_id": "f-1"}, ["first scan"]
        )
    )
    update_document_status(
        UpdateDocumentStatus(
            requirement.id, "REJECTED", "USER", "bob", {"reason": "blurred"}, ["unreadable"]
        )
    )
    DocumentRule.objects.create(traitement_type="KYC", entity_type="PERSON", document_type="VISA")
    person = Person.objects.filter(case=kyc).order_by("position").first()
    determine_document_requirements(
        DetermineDocumentRequirements(
            kyc.id, person.id, "PERSON", "KYC", kyc.case_type, {"why": "travel"}, "analyst:eve"
        )
    )
    live = snapshot()
    assert {doc["status"] for doc in live["Case"]} == {"REJECTED", "CLOSED"}
    assert any(doc["document_type"] == "VISA" for doc in live["DocumentRequirement"])

    call_command("rebuild_projections", stdout=io.StringIO(), stderr=io.StringIO())

    assert snapshot() == live
