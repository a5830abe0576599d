"""Case services: run commands end to end (decide, append, project) for any caller.

The Kafka ingest, the REST API and the admin all come through here, so a case opened from a
Kafka record and one opened from the API are the same events and the same read models.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import models

from cases.client_updates.claims import claim_event
from cases.core import event_store, projections
from cases.core import events as ev
from cases.core.command_bus import announce, check_replayed_ids, execute, load
from cases.core.errors import (
    ConcurrencyConflict,
    IllegalTransition,
    InvalidCommand,
    NotFound,
    VersionConflict,
)
from cases.core.events import DomainEvent
from cases.core.phases import phase
from cases.documents.rules import DocumentRuleData, load_document_rules
from cases.intake.commands import (
    AddCaseNote,
    ChangeCaseStatus,
    CreateCase,
    DetermineDocumentRequirements,
    UpdateDocumentStatus,
)
from cases.intake.handlers import (
    CaseState,
    RequirementState,
    case_id_for,
    handle_add_case_note,
    handle_change_case_status,
    handle_create_case,
    handle_determine_document_requirements,
    handle_update_document_status,
    owed_requirement_ids,
    request_metadata,
)
from cases.models import (
    BeneficialOwner,
    Case,
    DocumentRequirement,
    EntityType,
    Person,
    StoredEvent,
)
from cases.workflow.rules import SlaRuleData, load_sla_rules

# Callers used to import the errors from here; they now live in cases.core.errors.
__all__ = [
    "IllegalTransition",
    "InvalidCommand",
    "NotFound",
    "VersionConflict",
    "add_case_note",
    "change_case_status",
    "determine_document_requirements",
    "open_cases",
    "update_document_status",
]


@dataclass(frozen=True)
class OpenedCases:
    case_ids: list[uuid.UUID]  # one per command, in command order
    newly_projected: frozenset[uuid.UUID]
    events: list[DomainEvent]
    created_read_models: list[models.Model] = field(default_factory=list)


def open_cases(
    commands: list[CreateCase],
    rules: list[DocumentRuleData] | None = None,
    sla_rules: list[SlaRuleData] | None = None,
    *,
    generations: Sequence[int] | None = None,
) -> OpenedCases:
    """Open many cases with one append and one projection pass (the consumer's batch path).

    `generations` (one per command) adds each case's claim on its client's stream
    (cases.client_updates.claims): a ConcurrencyConflict on it means another writer opened the
    client's case first, and nothing of this batch was kept.

    Idempotent: re-running the same commands finds their events stored and their read models
    at the same version, and changes nothing.
    """
    rules = load_document_rules() if rules is None else rules
    sla_rules = load_sla_rules() if sla_rules is None else sla_rules
    events: list[DomainEvent] = []
    with phase("casemgmt.command.handle"):
        for index, command in enumerate(commands):
            decided = handle_create_case(command, rules, sla_rules)
            events.extend(decided)
            if generations is not None:
                events.append(claim_event(command, generations[index], len(decided)))
    with phase("casemgmt.events.append"):
        event_store.append(events)
    with phase("casemgmt.projection.apply"):
        outcome = projections.project(events)
    return OpenedCases(
        case_ids=[case_id_for(command.source) for command in commands],
        newly_projected=frozenset(outcome.created_case_ids),
        events=events,
        created_read_models=outcome.created,
    )


# --- Commands on existing aggregates (run through cases.core.command_bus) ------------------------


def _case_state(case: Case) -> CaseState:
    return CaseState(case_id=case.pk, status=case.status, version=case.version)


def _requirement_state(requirement: DocumentRequirement) -> RequirementState:
    return RequirementState(
        requirement_id=requirement.pk,
        case_id=requirement.case_id,
        status=requirement.status,
        version=requirement.version,
    )


def change_case_status(command: ChangeCaseStatus) -> Case:
    """Move a case along its lifecycle; IllegalTransition lists the allowed statuses."""
    case, events = execute(
        Case,
        command.case_id,
        command,
        lambda case: handle_change_case_status(command, _case_state(case)),
    )
    announce(events)
    return case


def add_case_note(command: AddCaseNote) -> Case:
    """Append a note to a case (allowed in every status: the audit trail never closes)."""
    if not command.text.strip():
        raise InvalidCommand("a note needs text")
    case, _ = execute(
        Case,
        command.case_id,
        command,
        lambda case: handle_add_case_note(command, _case_state(case)),
    )
    return case


def update_document_status(command: UpdateDocumentStatus) -> DocumentRequirement:
    """Record a decision on a document: who, when, old → new, merged metadata, notes."""
    requirement, events = execute(
        DocumentRequirement,
        command.requirement_id,
        command,
        lambda requirement: handle_update_document_status(command, _requirement_state(requirement)),
    )
    announce(events)
    return requirement


def _check_party(case: Case, entity_type: str, entity_id: uuid.UUID) -> None:
    """Requirements are only owed by the case's own parties (its persons, company, owners)."""
    kind = entity_type.strip().upper()
    if kind == EntityType.COMPANY:
        found = case.company_id == entity_id
    elif kind == EntityType.PERSON:
        found = Person.objects.filter(pk=entity_id, case_id=case.pk).exists() or (
            case.company_id is not None
            and BeneficialOwner.objects.filter(pk=entity_id, company_id=case.company_id).exists()
        )
    else:
        raise InvalidCommand(f"entity_type must be PERSON or COMPANY, not {entity_type!r}")
    if not found:
        raise NotFound(f"{kind} {entity_id} is not a party of case {case.pk}")


def _stored_requirement_events(ids: list[uuid.UUID]) -> list[StoredEvent]:
    return event_store.visible(
        StoredEvent.objects.filter(
            aggregate_id__in=ids, event_type=ev.DOCUMENT_REQUIREMENT_DETERMINED
        ).order_by("recorded_at", "correlation_id", "sequence")
    )


def _determine_once(command: DetermineDocumentRequirements, rules: list[DocumentRuleData]) -> None:
    """Store and project what is missing; the event store, not the read model, says what is.

    Events this very request stored in an interrupted earlier run are projected now (retrying
    completes it); other writers' events are theirs to project (see
    `cases.core.command_bus.append`).
    """
    stored = _stored_requirement_events(owed_requirement_ids(command, rules))
    causation = request_metadata(command.request_id, "").causation_id
    projections.project([e for e in stored if e.metadata.get("causation_id") == causation])
    existing = frozenset(event.aggregate_id for event in stored)
    events = handle_determine_document_requirements(command, rules, existing)
    result = event_store.append(events)
    check_replayed_ids(events, result.new_event_ids)
    projections.project(events)


def determine_document_requirements(
    command: DetermineDocumentRequirements, rules: list[DocumentRuleData] | None = None
) -> list[DocumentRequirement]:
    """Determine a party's documents now; returns all of its requirements, new or existing.

    Idempotent: determining twice creates nothing new. A concurrent determination of the same
    document wins the race harmlessly: one more pass finds it stored and adds nothing.
    """
    case = load(Case, command.case_id)
    _check_party(case, command.entity_type, command.entity_id)
    rules = load_document_rules() if rules is None else rules
    try:
        _determine_once(command, rules)
    except ConcurrencyConflict:
        _determine_once(command, rules)
    return list(
        DocumentRequirement.objects.filter(case_id=case.pk, entity_id=command.entity_id).order_by(
            "document_type"
        )
    )
