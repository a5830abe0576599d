"""Document evidence services (SPEC §5a): what the REST API and the admin call.

- `upload_evidence`: sniff, stream to storage while hashing and counting, then record the
  version through the document-status path (`UpdateDocumentStatus` with the file's metadata).
  Refused types and sizes store nothing; a retry with the same idempotency key and bytes
  returns the first try's version and keeps one copy of the bytes.
- `open_evidence`: records who opened which version (the access log) before returning the
  bytes, positioned at the requested range.
- `decide_document`: the document decision, naming the version decided on.
- `delete_evidence`: the only delete (retention): the bytes go, the metadata stays with why.

The edges never read storage directly.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files import File
from django.utils import timezone

from cases import selectors
from cases.core import event_store, projections
from cases.core.command_bus import announce, check_replayed_ids, execute, load, request_events
from cases.core.errors import (
    ConcurrencyConflict,
    EvidenceDeleted,
    IllegalTransition,
    InvalidCommand,
    NotFound,
    UnsupportedEvidenceType,
    VersionConflict,
)
from cases.core.events import derive_id
from cases.core.lifecycle import DOCUMENT_TRANSITIONS, allowed_moves
from cases.core.projections import ProjectableEvent
from cases.core.requests import new_request_id, request_metadata
from cases.documents.commands import DocumentUpload, UpdateDocumentStatus
from cases.documents.handlers import UPLOADABLE, handle_update_document_status
from cases.documents.services import requirement_state, update_document_status
from cases.evidence.commands import UploadEvidence, split_actor
from cases.evidence.handlers import (
    DeletionState,
    delete_request_id,
    evidence_file_id,
    handle_delete_evidence,
    upload_request_id,
)
from cases.evidence.measuring import MeasuredReader, read_head
from cases.evidence.ranges import ByteRange, ResolvedRange
from cases.evidence.sniffing import HEAD_BYTES, sniff_content_type
from cases.evidence.storage import evidence_storage
from cases.models import (
    DocumentRequirement,
    EvidenceAccess,
    EvidenceAction,
    EvidenceFile,
    StoredEvent,
)

__all__ = [
    "OpenedEvidence",
    "access_log",
    "decide_document",
    "delete_evidence",
    "get_version",
    "list_versions",
    "open_evidence",
    "upload_evidence",
]

logger = logging.getLogger(__name__)

READ_CHUNK_BYTES = 256 * 1024


# --- Upload -------------------------------------------------------------------------------------


def upload_evidence(command: UploadEvidence) -> EvidenceFile:
    """Store the file as the requirement's next version; returns its EvidenceFile.

    Order: the requirement must exist (NotFound) and, for a first try, accept an upload
    (IllegalTransition); the head's sniffed type must be allowed (UnsupportedEvidenceType);
    the bytes stream to storage, counted against EVIDENCE_MAX_BYTES (EvidenceTooLarge: the
    partial write is removed); then the events. If recording fails, the stored bytes are
    removed again, unless a stored event names them.
    """
    requirement = load(DocumentRequirement, command.requirement_id)
    if command.idempotency_key is None and requirement.status not in UPLOADABLE:
        # Refuse before reading the bytes; a keyed retry may find its first try done instead.
        raise IllegalTransition(
            "document",
            requirement.status,
            "UPLOADED",
            allowed_moves(DOCUMENT_TRANSITIONS, requirement.status),
        )
    allowed = list(settings.EVIDENCE_ALLOWED_TYPES)
    head = read_head(command.stream, HEAD_BYTES)
    content_type = sniff_content_type(head)
    if content_type not in allowed:
        raise UnsupportedEvidenceType(content_type, command.declared_type, allowed)
    reader = MeasuredReader(head, command.stream, settings.EVIDENCE_MAX_BYTES)
    storage = evidence_storage()
    name = storage.save(f"{requirement.case_id}/{requirement.pk}/{uuid.uuid4().hex}", File(reader))
    request_id = (
        upload_request_id(requirement.pk, reader.sha256, command.idempotency_key)
        if command.idempotency_key is not None
        else new_request_id()
    )
    upload = DocumentUpload(
        sha256=reader.sha256,
        size=reader.size,
        content_type=content_type,
        original_name=command.original_name,
        storage_name=name,
        issued_on=command.issued_on,
        expires_on=command.expires_on,
        document_number=command.document_number or "",
    )
    try:
        stored = _record_upload(command, upload, request_id)
    except BaseException:
        if _stored_upload(request_id) is None:  # nothing names these bytes: remove them
            storage.delete(name)
        raise
    if stored.payload["storage_name"] != name:  # a retry: the first try's bytes are the file
        storage.delete(name)
    return EvidenceFile.objects.get(pk=evidence_file_id(requirement.pk, stored.payload["version"]))


def _upload_event_id(request_id: str) -> uuid.UUID:
    """The first event of an upload request is its DocumentFileUploaded."""
    return derive_id(request_metadata(request_id, "").causation_id, "event", 0)


def _stored_upload(request_id: str) -> StoredEvent | None:
    return StoredEvent.objects.filter(pk=_upload_event_id(request_id)).first()


def _record_upload(command: UploadEvidence, upload: DocumentUpload, request_id: str) -> Any:
    """Append DocumentFileUploaded (+ DocumentStatusUpdated), project what the store holds.

    Unlike `command_bus.execute`, this projects the stored events, not the fresh ones: two
    tries of one keyed upload racing decide the same event ids with different storage names,
    and the read model must name the bytes the event store names.
    """
    actor_type, actor_id = split_actor(command.actor)
    status_command = UpdateDocumentStatus(
        command.requirement_id,
        "UPLOADED",
        actor_type,
        actor_id,
        {},
        [note for note in command.notes if note.strip()],
        request_id=request_id,
        occurred_at=command.occurred_at,
        trace_id=command.trace_id,
        upload=upload,
    )
    # Only a keyed upload can be a retry; an unkeyed one has a fresh random request id, so
    # looking for its earlier events would be a round trip that always finds none.
    earlier = request_events(request_id) if command.idempotency_key is not None else []
    if not earlier:
        requirement = load(DocumentRequirement, command.requirement_id)
        events = handle_update_document_status(status_command, requirement_state(requirement))
        try:
            result = event_store.append(events)
        except ConcurrencyConflict as exc:
            raise VersionConflict(
                requirement.pk,
                requirement.version,
                event_store.current_version(requirement.pk),
            ) from exc
        check_replayed_ids(events, result.new_event_ids)
        earlier = event_store.visible(
            StoredEvent.objects.filter(event_id__in=[e.event_id for e in events]).order_by(
                "sequence"
            )
        )
    projections.project(earlier)
    announce([ProjectableEvent.of(event) for event in earlier])
    return earlier[0]


# --- Decisions ------------------------------------------------------------------------------------


def decide_document(command: UpdateDocumentStatus) -> DocumentRequirement:
    """A decision on a requirement: VERIFIED_MANUAL / REJECTED name `file_version` when the
    requirement holds files; a rejection may request a new upload (`request_new_upload`,
    `reason`: the DOCUMENT_REQUESTED notification). The document-status service itself."""
    return update_document_status(command)


# --- Reading --------------------------------------------------------------------------------------


def list_versions(requirement_id: uuid.UUID | str) -> list[EvidenceFile]:
    """The requirement's versions, newest first (index `evidence_requirement_version`)."""
    return list(selectors.list_evidence_versions(_uuid(requirement_id)))


def access_log(requirement_id: uuid.UUID | str, limit: int = 100) -> list[EvidenceAccess]:
    """Who opened the requirement's files, newest first (index `evidence_access_recent`)."""
    return list(selectors.list_evidence_accesses(_uuid(requirement_id))[: max(limit, 0)])


def get_version(requirement_id: uuid.UUID | str, version: int) -> EvidenceFile:
    row = EvidenceFile.objects.filter(pk=evidence_file_id(_uuid(requirement_id), version)).first()
    if row is None:
        raise NotFound(f"document requirement {requirement_id} has no file version {version}")
    return row


def available_version(requirement_id: uuid.UUID | str, version: int) -> EvidenceFile:
    """The version whose bytes are still stored: NotFound, or EvidenceDeleted saying why."""
    row = get_version(requirement_id, version)
    if row.is_deleted:
        raise EvidenceDeleted(
            f"version {version} was deleted on {row.deleted_at:%Y-%m-%d} by {row.deleted_by}: "
            f"{row.deleted_reason}"
        )
    return row


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound(f"no document requirement {value!r}") from None


@dataclass
class OpenedEvidence:
    """An opened version: its row, the byte range served and a file positioned at its start.

    Iterate `chunks()` to stream exactly `length` bytes; the file is closed at the end (or by
    `close()` when the caller stops early).
    """

    file: EvidenceFile
    range: ResolvedRange
    stream: Any

    @property
    def length(self) -> int:
        return self.range.length

    @property
    def content_type(self) -> str:
        return self.file.content_type

    def chunks(self, chunk_size: int = READ_CHUNK_BYTES) -> Iterator[bytes]:
        remaining = self.length
        try:
            while remaining > 0:
                data = self.stream.read(min(chunk_size, remaining))
                if not data:
                    break
                remaining -= len(data)
                yield data
        finally:
            self.close()

    def close(self) -> None:
        self.stream.close()


def open_evidence(
    requirement_id: uuid.UUID | str,
    version: int,
    user: str,
    action: str,
    byte_range: ByteRange | None = None,
    request_id: str = "",
) -> OpenedEvidence:
    """Open a version for `user`; the access row is stored before any byte is returned.

    NotFound (no such version), EvidenceDeleted (retention removed the bytes),
    RangeNotSatisfiable (the range lies outside the file), InvalidCommand (unknown action).
    """
    action = (action or "").strip().upper()
    if action not in EvidenceAction.values:
        raise InvalidCommand(f"action must be one of {', '.join(EvidenceAction.values)}")
    if not (user or "").strip():
        raise InvalidCommand("opening evidence needs the user (it is recorded)")
    row = available_version(requirement_id, version)
    resolved = (byte_range or ByteRange(0, None)).resolve(row.size) if row.size else None
    if resolved is None:  # an empty file: nothing to range over
        if byte_range is not None:
            byte_range.resolve(0)  # raises RangeNotSatisfiable
        resolved = ResolvedRange(0, -1, 0)
    EvidenceAccess.objects.create(
        id=uuid.uuid4(),
        file_id=row.pk,
        requirement_id=row.requirement_id,
        case_id=row.case_id,
        version=row.version,
        user=user.strip()[:200],
        at=timezone.now(),
        action=action,
        range="" if byte_range is None else resolved.content_range(),
        request_id=(request_id or "")[:100],
    )
    stream = evidence_storage().open(row.storage_name, "rb")
    if resolved.start:
        stream.seek(resolved.start)
    return OpenedEvidence(file=row, range=resolved, stream=stream)


# --- Retention --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DeleteRequest:
    """What `command_bus.execute` needs of a delete: its (derived) request id."""

    request_id: str
    expected_version: int | None = None


def delete_evidence(
    requirement_id: uuid.UUID | str, version: int, reason: str, actor: str
) -> EvidenceFile:
    """Delete a version's bytes for retention; the only delete there is (no admin action).

    The event first (EvidenceFileDeleted: who and why), then the bytes. Idempotent: the
    request id derives from (requirement, version), so a retry after a crash between the two
    re-projects the stored event and deletes the bytes it did not get to.
    """
    requirement_id = _uuid(requirement_id)
    row = get_version(requirement_id, version)
    command = _DeleteRequest(delete_request_id(requirement_id, version))
    now = timezone.now()

    def decide(requirement: DocumentRequirement) -> list:
        state = DeletionState(
            requirement_id=requirement.pk,
            case_id=requirement.case_id,
            requirement_version=requirement.version,
            file_version=version,
            already_deleted=row.is_deleted,
        )
        return handle_delete_evidence(state, reason, actor, now)

    execute(DocumentRequirement, requirement_id, command, decide)
    evidence_storage().delete(row.storage_name)
    logger.info(
        "evidence bytes deleted",
        extra={"requirement_id": str(requirement_id), "version": version, "actor": actor},
    )
    return get_version(requirement_id, version)
