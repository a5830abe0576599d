"""Case services: run commands end to end (decide, append, project) for any caller.

The Kafka ingest, the REST API and the admin all come through here, so a case opened from a
Kafka record and one opened from the API are the same events and the same read models.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models

from cases import event_store, projections, signals
from cases import events as ev
from cases.commands import (
    AddCaseNote,
    ChangeCaseStatus,
    CreateCase,
    DetermineDocumentRequirements,
    UpdateDocumentStatus,
)
from cases.errors import (
    ConcurrencyConflict,
    IllegalTransition,
    InvalidCommand,
    NotFound,
    VersionConflict,
)
from cases.events import DomainEvent
from cases.handlers import (
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
from cases.projections import ProjectableEvent
from cases.rules import DocumentRuleData, load_document_rules
from cases.workflow.rules import SlaRuleData, load_sla_rules

# Callers used to import the errors from here; they now live in cases.errors.
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


def open_cases(
    commands: list[CreateCase],
    rules: list[DocumentRuleData] | None = None,
    sla_rules: list[SlaRuleData] | None = None,
) -> OpenedCases:
    """Open many cases with one append and one projection pass (the consumer's batch path).

    Idempotent: re-running the same commands finds their events stored and their read models
    at the same version, and changes nothing.
    """
    rules = load_document_rules() if rules is None else rules
    sla_rules = load_sla_rules() if sla_rules is None else sla_rules
    events: list[DomainEvent] = []
    for command in commands:
        events.extend(handle_create_case(command, rules, sla_rules))
    event_store.append(events)
    outcome = projections.project(events)
    return OpenedCases(
        case_ids=[case_id_for(command.source) for command in commands],
        newly_projected=frozenset(outcome.created_case_ids),
        events=events,
    )


# --- Commands on existing aggregates ----------------------------------------------------------
# Load the read model, decide (pure handler), append (optimistic concurrency), project, then
# fire the domain signal: receivers see the change already in the read models. A request is
# identified by its request_id: a retry of a request whose events are stored re-projects them
# and re-fires its signals (receivers dedupe on event_id) instead of applying it twice, so a
# caller that lost the answer, or hit a failing receiver, can simply retry.

ModelT = TypeVar("ModelT", bound=models.Model)


def _load(model: type[ModelT], pk: uuid.UUID) -> ModelT:
    instance = model.objects.filter(pk=pk).first()
    if instance is None:
        raise NotFound(f"{model.__name__} {pk} not found")
    return instance


def _check_expected_version(instance: models.Model, expected: int | None) -> None:
    if expected is not None and instance.version != expected:
        raise VersionConflict(instance.pk, expected, instance.version)


def _request_events(request_id: str) -> list[StoredEvent]:
    """The events an earlier run of this request stored (oldest first); [] for a new request."""
    causation = request_metadata(request_id, "").causation_id
    if not StoredEvent.objects.filter(pk=ev.derive_id(causation, "event", 0)).exists():
        return []
    stored = StoredEvent.objects.filter(correlation_id=request_id).order_by("sequence")
    return [event for event in stored if event.metadata.get("causation_id") == causation]


def _append(events: list[DomainEvent], based_on: int) -> None:
    """Append; another writer holding the version becomes VersionConflict.

    Nothing is projected on a conflict: the winner is projecting its own events right now, and
    two writers replacing one read-model document race (on FerretDB a replacement is a delete
    plus an insert). A command projects only the events it wrote; a read model left behind by
    a crash is completed by retrying that request (same request_id), which re-projects.
    """
    try:
        result = event_store.append(events)
    except ConcurrencyConflict as exc:
        aggregate_id = exc.aggregate_ids[0]
        raise VersionConflict(
            aggregate_id, based_on, event_store.current_version(aggregate_id)
        ) from exc
    _check_replayed_ids(events, result.new_event_ids)


def _check_replayed_ids(events: list[DomainEvent], new_ids: frozenset[uuid.UUID]) -> None:
    """An id already stored must be this very event; otherwise a request_id was reused."""
    replayed = {e.event_id: e for e in events if e.event_id not in new_ids}
    if not replayed:
        return
    stored = StoredEvent.objects.filter(event_id__in=list(replayed)).values_list(
        "event_id", "aggregate_id", "version"
    )
    for event_id, aggregate_id, version in stored:
        event = replayed[event_id]
        if (event.aggregate_id, event.version) != (aggregate_id, version):
            raise InvalidCommand(
                f"request_id {event.metadata.correlation_id} was already used for another "
                "change; send a new request_id"
            )


def _execute(
    model: type[ModelT],
    aggregate_id: uuid.UUID,
    command: Any,
    decide: Callable[[ModelT], list[DomainEvent]],
) -> tuple[ModelT, list[ProjectableEvent]]:
    """Run a one-aggregate command end to end; returns the fresh read model and its events."""
    earlier = _request_events(command.request_id)
    if earlier:
        if any(event.aggregate_id != aggregate_id for event in earlier):
            raise InvalidCommand(
                f"request_id {command.request_id} was already used for another aggregate"
            )
        projections.project(earlier)
        return _load(model, aggregate_id), [ProjectableEvent.of(e) for e in earlier]
    current = _load(model, aggregate_id)
    _check_expected_version(current, command.expected_version)
    events = decide(current)
    _append(events, based_on=current.version)
    projections.project(events)
    current.refresh_from_db()
    return current, [ProjectableEvent.of(e) for e in events]


def _case_state(case: Case) -> CaseState:
    return CaseState(case_id=case.pk, status=case.status, version=case.version)


def _requirement_state(requirement: DocumentRequirement) -> RequirementState:
    return RequirementState(
        requirement_id=requirement.pk,
        case_id=requirement.case_id,
        status=requirement.status,
        version=requirement.version,
    )


def _announce(events: Sequence[ProjectableEvent]) -> None:
    """Fire the domain signals of projected events (see cases.signals for the kwargs)."""
    for event in events:
        p = event.payload
        actor = event.metadata.get("actor", "")
        if event.event_type == ev.CASE_STATUS_CHANGED:
            signals.case_status_changed.send(
                sender=Case,
                case_id=uuid.UUID(p["case_id"]),
                old_status=p["old_status"],
                new_status=p["new_status"],
                event_id=event.event_id,
                actor=actor,
            )
        elif event.event_type == ev.DOCUMENT_STATUS_UPDATED:
            signals.document_status_changed.send(
                sender=DocumentRequirement,
                requirement_id=uuid.UUID(p["requirement_id"]),
                case_id=uuid.UUID(p["case_id"]),
                old_status=p["old_status"],
                new_status=p["new_status"],
                event_id=event.event_id,
                actor=actor,
            )


def change_case_status(command: ChangeCaseStatus) -> Case:
    """Move a case along its lifecycle; IllegalTransition lists the allowed statuses."""
    case, events = _execute(
        Case,
        command.case_id,
        command,
        lambda case: handle_change_case_status(command, _case_state(case)),
    )
    _announce(events)
    return case


def add_case_note(command: AddCaseNote) -> Case:
    """Append a note to a case (allowed in every status: the audit trail never closes)."""
    if not command.text.strip():
        raise InvalidCommand("a note needs text")
    case, _ = _execute(
        Case,
        command.case_id,
        command,
        lambda case: handle_add_case_note(command, _case_state(case)),
    )
    return case


def update_document_status(command: UpdateDocumentStatus) -> DocumentRequirement:
    """Record a decision on a document: who, when, old → new, merged metadata, notes."""
    requirement, events = _execute(
        DocumentRequirement,
        command.requirement_id,
        command,
        lambda requirement: handle_update_document_status(command, _requirement_state(requirement)),
    )
    _announce(events)
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
    return list(
        StoredEvent.objects.filter(
            aggregate_id__in=ids, event_type=ev.DOCUMENT_REQUIREMENT_DETERMINED
        ).order_by("recorded_at", "correlation_id", "sequence")
    )


def _determine_once(command: DetermineDocumentRequirements, rules: list[DocumentRuleData]) -> None:
    """Store and project what is missing; the event store, not the read model, says what is.

    Events this very request stored in an interrupted earlier run are projected now (retrying
    completes it); other writers' events are theirs to project (see `_append`).
    """
    stored = _stored_requirement_events(owed_requirement_ids(command, rules))
    causation = request_metadata(command.request_id, "").causation_id
    projections.project([e for e in stored if e.metadata.get("causation_id") == causation])
    existing = frozenset(event.aggregate_id for event in stored)
    events = handle_determine_document_requirements(command, rules, existing)
    result = event_store.append(events)
    _check_replayed_ids(events, result.new_event_ids)
    projections.project(events)


def determine_document_requirements(
    command: DetermineDocumentRequirements, rules: list[DocumentRuleData] | None = None
) -> list[DocumentRequirement]:
    """Determine a party's documents now; returns all of its requirements, new or existing.

    Idempotent: determining twice creates nothing new. A concurrent determination of the same
    document wins the race harmlessly: one more pass finds it stored and adds nothing.
    """
    case = _load(Case, command.case_id)
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
