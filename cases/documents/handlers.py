"""Document-requirement decisions (SPEC §4-5). Pure: command + rules or state in, events out.

A requirement's id derives from (case, party, document type), so determining twice, or from a
client update that adds a party (SPEC §3b), lands on the same requirement.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cases.core import events as ev
from cases.core import lifecycle
from cases.core.requests import iso_ms, note_payload, request_sequence
from cases.documents.commands import DetermineDocumentRequirements, UpdateDocumentStatus
from cases.documents.rules import DocumentRuleData, match_documents


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


@dataclass(frozen=True)
class RequirementState:
    requirement_id: uuid.UUID
    case_id: uuid.UUID
    status: str
    version: int


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
    sequence = request_sequence(command, command.actor, {})
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
    sequence = request_sequence(command, command.actor, {state.requirement_id: state.version})
    at = iso_ms(command.occurred_at)
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
                note_payload(command.actor_id, at, text.strip())
                for text in command.notes_to_add
                if text.strip()
            ],
        },
    )
    return sequence.events
