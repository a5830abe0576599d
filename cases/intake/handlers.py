"""Command handlers: decide which events a command produces. Pure: data in, events out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cases.core import events as ev
from cases.core import lifecycle
from cases.documents.rules import DocumentRuleData, match_documents
from cases.intake.commands import (
    AddCaseNote,
    ChangeCaseStatus,
    CreateCase,
    DetermineDocumentRequirements,
    UpdateDocumentStatus,
)
from cases.intake.contract import KafkaMessage
from cases.workflow.rules import SlaRuleData, due_at_for


def case_id_for(source: str) -> uuid.UUID:
    return ev.derive_id(source, "case")


def display_name_of(message: KafkaMessage) -> str:
    """How the client is shown: the registered name (KYB) or the first person's name (KYC)."""
    if message.company_profile is not None:
        return message.company_profile.registered_name
    first = message.persons[0] if message.persons else None
    return f"{first.firstname} {first.lastname}" if first else message.client_id


def handle_create_case(
    command: CreateCase,
    rules: list[DocumentRuleData],
    sla_rules: Sequence[SlaRuleData] = (),
) -> list[ev.DomainEvent]:
    """The events of SPEC §3 for one new case, in order.

    The due date (SPEC §3a) is in CaseCreated itself, counted from the command's time, so a
    rebuild or a replay lands on the same value.
    """
    message = command.message
    due_at, sla_days = due_at_for(
        sla_rules, message.traitement_type, message.type, command.occurred_at
    )
    case_id = case_id_for(command.source)
    metadata = ev.Metadata(
        correlation_id=str(command.raw_event_id or command.source),
        causation_id=command.source,
        trace_id=command.trace_id,
        actor=command.actor,
    )
    sequence = ev.EventSequence(metadata, command.occurred_at)
    parties: list[tuple[str, uuid.UUID]] = []  # (entity_type, entity_id) owing documents

    company_id = None
    if message.traitement_type == "KYB" and message.company_profile is not None:
        company_id = ev.derive_id(command.source, "company")
        sequence.add(
            ev.COMPANY_PROFILE_CREATED,
            ev.COMPANY,
            company_id,
            {
                "company_id": str(company_id),
                "case_id": str(case_id),
                **message.company_profile.model_dump(mode="json"),
            },
        )
        parties.append(("COMPANY", company_id))

    sequence.add(
        ev.CASE_CREATED,
        ev.CASE,
        case_id,
        {
            "case_id": str(case_id),
            "client_id": message.client_id,
            "case_type": message.type,
            "schema_version": message.version,
            "traitement_type": message.traitement_type,
            "company_id": str(company_id) if company_id else None,
            "display_name": display_name_of(message),
            "source": command.source,
            "source_raw_event_id": str(command.raw_event_id) if command.raw_event_id else None,
            "due_at": _iso_ms(due_at) if due_at else None,
            "sla_days": sla_days,
        },
    )

    for position, person in enumerate(message.persons):
        person_id = ev.derive_id(command.source, "person", position)
        payload: dict[str, Any] = {
            "person_id": str(person_id),
            "case_id": str(case_id),
            "position": position,
            **person.model_dump(mode="json"),
        }
        if company_id is not None:
            payload["company_id"] = str(company_id)
            sequence.add(ev.PERSON_LINKED_TO_COMPANY, ev.COMPANY, company_id, payload)
        else:
            sequence.add(ev.PERSON_ADDED_TO_CASE, ev.CASE, case_id, payload)
        parties.append(("PERSON", person_id))

    if company_id is not None:
        for position, owner in enumerate(message.beneficial_owners):
            owner_id = ev.derive_id(command.source, "owner", position)
            sequence.add(
                ev.BENEFICIAL_OWNER_ADDED,
                ev.COMPANY,
                company_id,
                {
                    "owner_id": str(owner_id),
                    "company_id": str(company_id),
                    "case_id": str(case_id),
                    "position": position,
                    **owner.model_dump(mode="json"),
                },
            )
            parties.append(("PERSON", owner_id))

    for entity_type, entity_id in parties:
        add_requirement_events(
            sequence,
            rules,
            case_id=case_id,
            entity_type=entity_type,
            entity_id=entity_id,
            traitement_type=message.traitement_type,
            case_type=message.type,
        )
    return sequence.events


def requirement_id_for(case_id: uuid.UUID, entity_id: uuid.UUID, document_type: str) -> uuid.UUID:
    return ev.derive_id(case_id, entity_id, document_type.upper())


def add_requirement_events(
    sequence: ev.EventSequence,
    rules: list[DocumentRuleData],
    *,
    case_id: uuid.UUID,
    entity_type: str,
    entity_id: uuid.UUID,
    traitement_type: str,
    case_type: str,
    existing: frozenset[uuid.UUID] = frozenset(),
    context: dict | None = None,
) -> list[ev.DomainEvent]:
    """One DocumentRequirementDetermined per owed document not already in `existing`."""
    added = []
    for document in match_documents(rules, traitement_type, entity_type, case_type):
        requirement_id = requirement_id_for(case_id, entity_id, document.document_type)
        if requirement_id in existing:
            continue
        added.append(
            sequence.add(
                ev.DOCUMENT_REQUIREMENT_DETERMINED,
                ev.DOCUMENT_REQUIREMENT,
                requirement_id,
                {
                    "requirement_id": str(requirement_id),
                    "case_id": str(case_id),
                    "entity_type": entity_type.upper(),
                    "entity_id": str(entity_id),
                    "document_type": document.document_type,
                    "is_required": document.is_required,
                    "status": "AWAITING_UPLOAD",
                    "metadata": dict(context or {}),
                },
            )
        )
    return added


# --- Commands on existing aggregates ----------------------------------------------------------
# The caller (cases.intake.services) loads the read model and passes its status and version; events
# continue that aggregate's versions contiguously, and the event store's unique (aggregate,
# version) index turns a stale read into ConcurrencyConflict.


@dataclass(frozen=True)
class CaseState:
    case_id: uuid.UUID
    status: str
    version: int


@dataclass(frozen=True)
class RequirementState:
    requirement_id: uuid.UUID
    case_id: uuid.UUID
    status: str
    version: int


def request_metadata(request_id: str, actor: str, trace_id: str = "") -> ev.Metadata:
    """`request:` keeps request causations apart from Kafka sources (`kafka:...`)."""
    return ev.Metadata(
        correlation_id=request_id,
        causation_id=f"request:{request_id}",
        trace_id=trace_id,
        actor=actor,
    )


def _sequence(command: Any, actor: str, start_versions: dict[uuid.UUID, int]) -> ev.EventSequence:
    metadata = request_metadata(command.request_id, actor, command.trace_id)
    return ev.EventSequence(metadata, command.occurred_at, start_versions=start_versions)


def _note(author: str, at: str, text: str) -> dict[str, str]:
    return {"author": author, "at": at, "text": text}


def _iso_ms(moment: Any) -> str:
    """MongoDB keeps milliseconds; cut to them so a note's time equals its event's occurred_at."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000).isoformat()


def handle_change_case_status(command: ChangeCaseStatus, state: CaseState) -> list[ev.DomainEvent]:
    """One CaseStatusChanged, or IllegalTransition naming the allowed moves (DecisionRequired
    for the statuses only the four-eyes decision reaches, SPEC §3a)."""
    new_status = lifecycle.check_direct_status_change(state.status, command.new_status)
    sequence = _sequence(command, command.actor, {state.case_id: state.version})
    add_status_changed(sequence, state.case_id, state.status, new_status, command.reason)
    return sequence.events


def add_status_changed(
    sequence: ev.EventSequence, case_id: uuid.UUID, old: str, new: str, reason: str
) -> ev.DomainEvent:
    """CaseStatusChanged, whichever command moves the case (status change or decision)."""
    payload = {"case_id": str(case_id), "old_status": old, "new_status": new, "reason": reason}
    return sequence.add(ev.CASE_STATUS_CHANGED, ev.CASE, case_id, payload)


def handle_add_case_note(command: AddCaseNote, state: CaseState) -> list[ev.DomainEvent]:
    """One CaseNoteAdded; the note's time is in the payload so rebuilds reproduce it exactly."""
    sequence = _sequence(command, command.actor, {state.case_id: state.version})
    note = _note(command.actor, _iso_ms(command.occurred_at), command.text.strip())
    sequence.add(
        ev.CASE_NOTE_ADDED, ev.CASE, state.case_id, {"case_id": str(state.case_id), "note": note}
    )
    return sequence.events


def owed_requirement_ids(
    command: DetermineDocumentRequirements, rules: list[DocumentRuleData]
) -> list[uuid.UUID]:
    """Ids of the requirements the rules give this party (new or already determined)."""
    documents = match_documents(
        rules, command.traitement_type, command.entity_type, command.case_type
    )
    return [
        requirement_id_for(command.case_id, command.entity_id, document.document_type)
        for document in documents
    ]


def handle_determine_document_requirements(
    command: DetermineDocumentRequirements,
    rules: list[DocumentRuleData],
    existing: frozenset[uuid.UUID],
) -> list[ev.DomainEvent]:
    """DocumentRequirementDetermined for each owed document not in `existing` (may be none).

    Events are numbered over *all* owed documents before the existing ones are dropped, so an
    event keeps its id (causation + position) whatever was already there: a retry after a
    partial append regenerates the very same ids instead of reusing one for another document.
    """
    sequence = _sequence(command, command.actor, {})
    everything = add_requirement_events(
        sequence,
        rules,
        case_id=command.case_id,
        entity_type=command.entity_type,
        entity_id=command.entity_id,
        traitement_type=command.traitement_type,
        case_type=command.case_type,
        context=command.context_data,
    )
    return [event for event in everything if event.aggregate_id not in existing]


def handle_update_document_status(
    command: UpdateDocumentStatus, state: RequirementState
) -> list[ev.DomainEvent]:
    """One DocumentStatusUpdated recording who, when, old → new, metadata changes and notes."""
    new_status = lifecycle.check_document_transition(state.status, command.new_status)
    sequence = _sequence(command, command.actor, {state.requirement_id: state.version})
    at = _iso_ms(command.occurred_at)
    sequence.add(
        ev.DOCUMENT_STATUS_UPDATED,
        ev.DOCUMENT_REQUIREMENT,
        state.requirement_id,
        {
            "requirement_id": str(state.requirement_id),
            "case_id": str(state.case_id),
            "old_status": state.status,
            "new_status": new_status,
            "at": at,
            "actor": {"type": command.actor_type, "id": command.actor_id},
            "metadata_changes": dict(command.metadata_changes),
            "notes_added": [
                _note(command.actor_id, at, text.strip())
                for text in command.notes_to_add
                if text.strip()
            ],
        },
    )
    return sequence.events
