"""Document-requirement decisions (SPEC §4-5). Pure: command + rules or state in, events out.

A requirement's id derives from (case, party, document type), so determining twice, or from a
client update that adds a party (SPEC §3b), lands on the same requirement.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from cases.core import events as ev
from cases.core import lifecycle
from cases.core.errors import IllegalTransition, InvalidCommand
from cases.core.requests import iso_ms, note_payload, request_sequence
from cases.documents.commands import (
    DetermineDocumentRequirements,
    DocumentUpload,
    UpdateDocumentStatus,
)
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
class FileVersion:
    """What a decision needs to know of one uploaded version (SPEC §5a)."""

    version: int
    expires_on: date | None = None
    deleted: bool = False


@dataclass(frozen=True)
class RequirementState:
    requirement_id: uuid.UUID
    case_id: uuid.UUID
    status: str
    version: int
    current_file_version: int | None = None
    files: tuple[FileVersion, ...] = ()


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


VERIFIED = frozenset({"VERIFIED_MANUAL", "VERIFIED_SYSTEM"})
# Decisions on an UPLOADED requirement that must name the file version decided on (SPEC §5a);
# VERIFIED_SYSTEM may name one and otherwise takes the current version.
NAMING_A_VERSION = frozenset({"VERIFIED_MANUAL", "REJECTED"})
# Where an upload may land: a new version, and UPLOADED unless the requirement already is.
UPLOADABLE = frozenset({"AWAITING_UPLOAD", "REJECTED", "UPLOADED"})


def handle_update_document_status(
    command: UpdateDocumentStatus, state: RequirementState
) -> list[ev.DomainEvent]:
    """DocumentStatusUpdated recording who, when, old → new, metadata changes and notes.

    With an upload: DocumentFileUploaded (the next version) first, then the status update
    unless the requirement is UPLOADED already.
    """
    sequence = request_sequence(command, command.actor, {state.requirement_id: state.version})
    if command.upload is not None:
        return _upload(command, command.upload, state, sequence)
    new_status = lifecycle.check_document_transition(state.status, command.new_status)
    decided = decided_version(command, state, new_status)
    expires_on = decided.expires_on if decided and new_status in VERIFIED else None
    _add_status_update(
        sequence, command, state, new_status, decided.version if decided else None, expires_on
    )
    return sequence.events


def decided_version(
    command: UpdateDocumentStatus, state: RequirementState, new_status: str
) -> FileVersion | None:
    """The file version a decision is about, or None when the requirement holds no file.

    A requirement moved to UPLOADED without a file (before evidence existed, or by a front end
    keeping files elsewhere) is still decided on by status alone.
    """
    if command.request_new_upload:
        if new_status != "REJECTED":
            raise InvalidCommand("only a rejection (REJECTED) can request a new upload")
        if not command.reason.strip():
            raise InvalidCommand("a request for a new upload needs a reason the client can read")
    names_a_file = state.status == "UPLOADED" and new_status in VERIFIED | NAMING_A_VERSION
    if not names_a_file or not state.files:
        if command.file_version is not None:
            raise InvalidCommand(
                f"file_version names the file a VERIFIED_* or REJECTED decision on an UPLOADED "
                f"requirement holding files is about; {state.status} → {new_status} has none"
            )
        return None
    usable = {f.version: f for f in state.files if not f.deleted}
    listed = ", ".join(map(str, sorted(usable))) or "none"
    version = command.file_version
    if version is None and new_status in NAMING_A_VERSION:
        raise InvalidCommand(
            f"{new_status} must name the file version decided on (file_version); versions: {listed}"
        )
    version = state.current_file_version if version is None else version
    found = usable.get(version)
    if found is None:
        raise InvalidCommand(f"file_version {version} is not a stored version; versions: {listed}")
    if (
        new_status in VERIFIED
        and found.expires_on
        and found.expires_on < command.occurred_at.date()
    ):
        raise InvalidCommand(
            f"version {version} expired on {found.expires_on}; it cannot be verified"
        )
    return found


def _upload(
    command: UpdateDocumentStatus,
    upload: DocumentUpload,
    state: RequirementState,
    sequence: ev.EventSequence,
) -> list[ev.DomainEvent]:
    if lifecycle.normalise_status(command.new_status) != "UPLOADED":
        raise InvalidCommand(f"an upload moves a requirement to UPLOADED, not {command.new_status}")
    if command.file_version is not None or command.request_new_upload:
        raise InvalidCommand("an upload names no file_version and requests no upload")
    if state.status not in UPLOADABLE:
        allowed = lifecycle.allowed_moves(lifecycle.DOCUMENT_TRANSITIONS, state.status)
        raise IllegalTransition("document", state.status, "UPLOADED", allowed)
    version = (state.current_file_version or 0) + 1
    sequence.add(
        ev.DOCUMENT_FILE_UPLOADED,
        ev.DOCUMENT_REQUIREMENT,
        state.requirement_id,
        {
            "requirement_id": str(state.requirement_id),
            "case_id": str(state.case_id),
            "version": version,
            "sha256": upload.sha256,
            "size": upload.size,
            "content_type": upload.content_type,
            "original_name": upload.original_name,
            "uploaded_by": command.actor,
            "issued_on": _iso_date(upload.issued_on),
            "expires_on": _iso_date(upload.expires_on),
            "document_number": upload.document_number,
            "storage_name": upload.storage_name,
        },
    )
    if state.status != "UPLOADED":
        _add_status_update(sequence, command, state, "UPLOADED", version, None)
    return sequence.events


def _iso_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _add_status_update(
    sequence: ev.EventSequence,
    command: UpdateDocumentStatus,
    state: RequirementState,
    new_status: str,
    file_version: int | None,
    expires_on: date | None,
) -> None:
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
            "file_version": file_version,
            "expires_on": _iso_date(expires_on),
            "request_new_upload": command.request_new_upload,
            "reason": command.reason.strip(),
        },
    )
