"""Projections of document evidence onto the read models (SPEC §5a).

`DocumentFileUploaded` adds an `EvidenceFile` (a child of the requirement, inserted if missing)
and moves the requirement's `current_file_version`; `EvidenceFileDeleted` marks the version
deleted, keeping its metadata; `DocumentExpired` re-opens the requirement. Times come from the
events, never the clock, so `rebuild_projections` reproduces the read models exactly. The
access log (`EvidenceAccess`) is not a projection and is never touched here.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from cases.core import events as ev
from cases.core import projections
from cases.evidence.handlers import evidence_file_id
from cases.models import DocumentRequirement, EvidenceFile

__all__: list[str] = []


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _file_uploaded(
    uow: Any, event: projections.ProjectableEvent, requirement: DocumentRequirement
) -> DocumentRequirement:
    p = event.payload
    version = int(p["version"])
    uow.children.append(
        EvidenceFile(
            id=evidence_file_id(requirement.pk, version),
            requirement_id=requirement.pk,
            case_id=uuid.UUID(p["case_id"]),
            version=version,
            sha256=p["sha256"],
            size=int(p["size"]),
            content_type=p["content_type"],
            original_name=p.get("original_name") or "",
            uploaded_by=p["uploaded_by"],
            uploaded_at=event.occurred_at,
            issued_on=_date(p.get("issued_on")),
            expires_on=_date(p.get("expires_on")),
            document_number=p.get("document_number") or "",
            storage_name=p["storage_name"],
        )
    )
    requirement.current_file_version = max(version, requirement.current_file_version or 0)
    requirement.updated_at = event.occurred_at
    return requirement


def _stored_or_pending(uow: Any, file_id: uuid.UUID) -> EvidenceFile | None:
    """The version's row: written by an earlier batch, or added by this one (not yet stored)."""
    for child in reversed(uow.children):
        if isinstance(child, EvidenceFile) and child.pk == file_id:
            return child
    return EvidenceFile.objects.filter(pk=file_id).first()


def _file_deleted(
    uow: Any, event: projections.ProjectableEvent, requirement: DocumentRequirement
) -> DocumentRequirement:
    p = event.payload
    row = _stored_or_pending(uow, evidence_file_id(requirement.pk, int(p["version"])))
    if row is not None:
        row.deleted_at = event.occurred_at
        row.deleted_reason = p["reason"]
        row.deleted_by = p["by"]
        uow.replace(row)
    requirement.updated_at = event.occurred_at
    return requirement


def _document_expired(
    uow: Any, event: projections.ProjectableEvent, requirement: DocumentRequirement
) -> DocumentRequirement:
    p = event.payload
    requirement.status = p["new_status"]
    requirement.expires_on = None
    requirement.history = [
        *(requirement.history or []),
        {
            "event_id": str(event.event_id),
            "at": p["at"],
            "actor": {"type": "SYSTEM", "id": "expiry"},
            "old_status": p["old_status"],
            "new_status": p["new_status"],
            "metadata_changes": {},
            "notes": [f"version {p['version']} expired on {p['expires_on']}"],
            "file_version": p["version"],
        },
    ]
    requirement.updated_at = event.occurred_at
    return requirement


projections.register(ev.DOCUMENT_FILE_UPLOADED, DocumentRequirement, _file_uploaded, creates=False)
projections.register(ev.EVIDENCE_FILE_DELETED, DocumentRequirement, _file_deleted, creates=False)
projections.register(ev.DOCUMENT_EXPIRED, DocumentRequirement, _document_expired, creates=False)
