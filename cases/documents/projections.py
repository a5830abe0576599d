"""Projections of document requirements: determined, then each decision recorded on them.

Registered with `cases.core.projections` on import (see `cases.apps`); times come from the
events, never the clock, so `rebuild_projections` reproduces the read models exactly.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from cases.core import events as ev
from cases.core import projections
from cases.models import DocumentRequirement

__all__: list[str] = []


def _requirement_determined(uow: Any, event: projections.ProjectableEvent, _: Any) -> Any:
    p = event.payload
    return DocumentRequirement(
        id=event.aggregate_id,
        case_id=uuid.UUID(p["case_id"]),
        entity_type=p["entity_type"],
        entity_id=uuid.UUID(p["entity_id"]),
        document_type=p["document_type"],
        is_required=p["is_required"],
        status=p["status"],
        metadata=dict(p.get("metadata") or {}),
        created_at=event.occurred_at,
        updated_at=event.occurred_at,
    )


def _document_status_updated(
    uow: Any, event: projections.ProjectableEvent, requirement: DocumentRequirement
) -> DocumentRequirement:
    """Metadata is merged key by key (a decision adds facts, it does not erase earlier ones)."""
    p = event.payload
    notes = [dict(note) for note in p.get("notes_added") or []]
    requirement.status = p["new_status"]
    requirement.metadata = {**(requirement.metadata or {}), **(p.get("metadata_changes") or {})}
    requirement.notes = [*(requirement.notes or []), *notes]
    entry = {
        "event_id": str(event.event_id),
        "at": p["at"],
        "actor": dict(p["actor"]),
        "old_status": p["old_status"],
        "new_status": p["new_status"],
        "metadata_changes": dict(p.get("metadata_changes") or {}),
        "notes": [note["text"] for note in notes],
    }
    # Evidence (SPEC §5a): the version decided on, and a rejection's request for a new upload.
    if p.get("file_version") is not None:
        entry["file_version"] = p["file_version"]
    if p.get("request_new_upload"):
        entry["request_new_upload"] = True
    if p.get("reason"):
        entry["reason"] = p["reason"]
    if p["new_status"] in ("VERIFIED_MANUAL", "VERIFIED_SYSTEM"):
        expires_on = p.get("expires_on")
        requirement.expires_on = date.fromisoformat(expires_on) if expires_on else None
    requirement.history = [*(requirement.history or []), entry]
    requirement.updated_at = event.occurred_at
    return requirement


projections.register(
    ev.DOCUMENT_REQUIREMENT_DETERMINED, DocumentRequirement, _requirement_determined, creates=True
)
projections.register(
    ev.DOCUMENT_STATUS_UPDATED, DocumentRequirement, _document_status_updated, creates=False
)
