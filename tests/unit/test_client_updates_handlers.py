"""The pure update decision (SPEC §3b): snapshot and record in, events out."""

import uuid
from datetime import UTC, datetime

import pytest

from cases.client_updates import events as cu
from cases.client_updates.commands import UpdateCaseFromClientEvent
from cases.client_updates.diff import CaseSnapshot, PersonState, RequirementSnapshot
from cases.client_updates.handlers import handle_update_case_from_client_event, is_superseded
from cases.core.errors import ClientConflict
from cases.documents.rules import DEFAULT_DOCUMENT_RULES
from cases.intake.contract import validate_payload

RULES = list(DEFAULT_DOCUMENT_RULES)
ADA = {"firstname": "Ada", "lastname": "Lovelace", "birthdate": None, "role_in_company": None}
BOB = {"firstname": "Bob", "lastname": "Noyce", "birthdate": None, "role_in_company": None}
ADA_ID, BOB_ID = uuid.uuid4(), uuid.uuid4()


def snapshot(document_status="AWAITING_UPLOAD", **overrides) -> CaseSnapshot:
    case_id = uuid.uuid4()
    fields = dict(
        case_id=case_id,
        client_id="CLI-1",
        case_type="INDIVIDUAL_STANDARD",
        traitement_type="KYC",
        status="IN_REVIEW",
        version=3,
        persons=(PersonState(ADA_ID, ADA, 0), PersonState(BOB_ID, BOB, 1)),
        requirements=(
            RequirementSnapshot(uuid.uuid4(), BOB_ID, "PASSPORT", document_status, 2),
            RequirementSnapshot(uuid.uuid4(), BOB_ID, "PROOF_OF_ADDRESS", "VERIFIED_MANUAL", 3),
        ),
    )
    return CaseSnapshot(**{**fields, **overrides})


def command(state: CaseSnapshot, *persons, traitement="KYC", source="kafka:t:0:7", **extra):
    message = validate_payload(
        {
            "client_id": "CLI-1",
            "version": "1.0",
            "type": extra.get("type", "INDIVIDUAL_STANDARD"),
            "traitement_type": traitement,
            "persons": list(persons),
            **(
                {
                    "company_profile": {
                        "registered_name": "X",
                        "registration_number": "1",
                        "country_of_incorporation": "FR",
                        "registered_address": {"country": "FR"},
                    }
                }
                if traitement == "KYB"
                else {}
            ),
        }
    )
    return UpdateCaseFromClientEvent(
        case_id=state.case_id,
        source=source,
        message=message,
        occurred_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


def test_equal_record_decides_no_event():
    state = snapshot()
    assert handle_update_case_from_client_event(command(state, BOB, ADA), state, RULES).unchanged


def test_other_traitement_type_is_a_conflict_naming_the_open_case():
    state = snapshot()
    with pytest.raises(ClientConflict) as caught:
        handle_update_case_from_client_event(command(state, ADA, traitement="KYB"), state, RULES)
    (issue,) = caught.value.issues
    assert issue.loc == "traitement_type" and str(state.case_id) in issue.msg


def test_update_claims_the_next_case_version_first_and_numbers_contiguously():
    state = snapshot()
    carl = {"firstname": "Carl", "lastname": "Sagan"}
    events = handle_update_case_from_client_event(command(state, ADA, carl), state, RULES).events
    on_case = [e for e in events if e.aggregate_id == state.case_id]
    assert events[0].event_type == cu.CLIENT_DATA_UPDATED
    assert [e.version for e in on_case] == [4, 5, 6, 7]
    assert [e.event_type for e in on_case] == [
        cu.CLIENT_DATA_UPDATED,
        cu.PARTY_REMOVED_FROM_CASE,
        "PersonAddedToCase",
        "ScreeningRequested",  # the added person is screened (SPEC §3c)
    ]
    added = on_case[2].payload["person_id"]
    assert on_case[3].payload["parties"] == [{"party_type": "PERSON", "party_id": added}]
    assert events[0].payload["event_count"] == len(events)


def test_removed_party_only_retires_its_open_requirements():
    state = snapshot(document_status="UPLOADED")
    events = handle_update_case_from_client_event(command(state, ADA), state, RULES).events
    retired = [e for e in events if e.event_type == "DocumentStatusUpdated"]
    (event,) = retired  # the VERIFIED_MANUAL one is final and stays
    assert (event.payload["old_status"], event.payload["new_status"]) == (
        "UPLOADED",
        "NOT_APPLICABLE",
    )
    assert event.version == 3 and event.payload["metadata_changes"]["not_applicable_reason"]


def test_new_person_owes_documents_under_an_id_derived_from_the_record():
    state = snapshot()
    carl = {"firstname": "Carl", "lastname": "Sagan"}
    first = handle_update_case_from_client_event(command(state, ADA, BOB, carl), state, RULES)
    again = handle_update_case_from_client_event(command(state, ADA, BOB, carl), state, RULES)
    assert [e.event_id for e in first.events] == [e.event_id for e in again.events]
    (added,) = [e for e in first.events if e.event_type == "PersonAddedToCase"]
    owed = [e for e in first.events if e.event_type == "DocumentRequirementDetermined"]
    assert {e.payload["entity_id"] for e in owed} == {added.payload["person_id"]}
    assert sorted(e.payload["document_type"] for e in owed) == ["PASSPORT", "PROOF_OF_ADDRESS"]


def test_older_record_of_the_same_partition_is_superseded():
    assert is_superseded("kafka:t:0:7", "kafka:t:0:9")
    assert not is_superseded("kafka:t:0:9", "kafka:t:0:7")
    assert not is_superseded("kafka:t:1:7", "kafka:t:0:9")  # unkeyed: no order across partitions
    assert not is_superseded("request:abc", "kafka:t:0:9")
    state = snapshot(last_update_source="kafka:t:0:9")
    assert handle_update_case_from_client_event(command(state, ADA), state, RULES).unchanged


def test_update_of_a_pending_approval_returns_the_proposal_right_after_the_lock():
    pending = {"decision": "APPROVED", "proposed_by": "ana", "rationale": "ok"}
    state = snapshot(status="PENDING_APPROVAL", pending_decision=pending)
    carl = {"firstname": "Carl", "lastname": "Sagan"}
    events = handle_update_case_from_client_event(command(state, ADA, BOB, carl), state, RULES)
    returned = events.events[1]
    assert (returned.event_type, returned.version) == ("DecisionReturned", 5)
    assert returned.payload["reason"] == "client data changed"
    assert returned.payload["proposed_by"] == "ana"
