"""Document services (SPEC §4-5): determine a party's requirements, record a decision on one.

Decisions run through `cases.core.command_bus` like every command on an existing aggregate;
determining is idempotent on the event store, which says which requirements already exist.
"""

from __future__ import annotations

import uuid

from cases.core import event_store, projections
from cases.core import events as ev
from cases.core.command_bus import announce, check_replayed_ids, execute, load
from cases.core.errors import ConcurrencyConflict, InvalidCommand, NotFound
from cases.core.requests import request_metadata
from cases.documents.commands import DetermineDocumentRequirements, UpdateDocumentStatus
from cases.documents.handlers import (
    FileVersion,
    RequirementState,
    handle_determine_document_requirements,
    handle_update_document_status,
    owed_requirement_ids,
)
from cases.documents.rules import DocumentRuleData, load_document_rules
from cases.models import (
    BeneficialOwner,
    Case,
    DocumentRequirement,
    EntityType,
    EvidenceFile,
    Person,
    StoredEvent,
)


def requirement_state(requirement: DocumentRequirement) -> RequirementState:
    """What a decision on the requirement needs, its file versions included (SPEC §5a)."""
    files: tuple[FileVersion, ...] = ()
    if requirement.current_file_version is not None:
        rows = (
            EvidenceFile.objects.filter(requirement_id=requirement.pk)
            .order_by("version")
            .values_list("version", "expires_on", "deleted_at")
        )
        files = tuple(
            FileVersion(version, expires_on, deleted_at is not None)
            for version, expires_on, deleted_at in rows
        )
    return RequirementState(
        requirement_id=requirement.pk,
        case_id=requirement.case_id,
        status=requirement.status,
        version=requirement.version,
        current_file_version=requirement.current_file_version,
        files=files,
    )


def update_document_status(command: UpdateDocumentStatus) -> DocumentRequirement:
    """Record a decision on a document: who, when, old → new, merged metadata, notes.

    VERIFIED_MANUAL and REJECTED of a requirement holding files name the version decided on
    (SPEC §5a); uploads come through `cases.evidence.services.upload_evidence`, which stores
    the bytes first and then runs this with the file's metadata.
    """
    requirement, events = execute(
        DocumentRequirement,
        command.requirement_id,
        command,
        lambda requirement: handle_update_document_status(command, requirement_state(requirement)),
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
