"""Removing stored evidence no event names (SPEC §5a): the bytes of an upload whose process died
after storing them and before its events were written.

Conservative on purpose: only files older than `older_than` (an upload in progress is younger),
and only when no stored `DocumentFileUploaded` of their requirement names them (the event
store decides, committed or not, never the read models a rebuild drops). The requirement is in
the storage name (`<case id>/<requirement id>/<random>`); a name of another shape is left alone.
Run by `manage.py sweep_evidence_files` (daily is plenty); it reads the bucket's file documents,
not the bytes.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.utils import timezone

from cases.core import events as ev
from cases.evidence.storage import evidence_storage
from cases.models import StoredEvent

__all__ = ["sweep_unrecorded_files"]

logger = logging.getLogger(__name__)

DEFAULT_AGE = timedelta(hours=1)


def _requirement_of(name: str) -> uuid.UUID | None:
    parts = name.split("/")
    if len(parts) != 3:
        return None
    try:
        return uuid.UUID(parts[1])
    except ValueError:
        return None


def sweep_unrecorded_files(
    *, older_than: timedelta = DEFAULT_AGE, now: datetime | None = None, limit: int = 1000
) -> list[str]:
    """Delete up to `limit` stored files older than `older_than` that no event names; returns
    their names."""
    storage = evidence_storage()
    cutoff = (now or timezone.now()) - older_than
    candidates: dict[uuid.UUID, list[str]] = {}
    for document in storage.files_collection().find(
        {"uploadDate": {"$lt": cutoff}}, {"filename": 1}
    ):
        requirement_id = _requirement_of(document["filename"])
        if requirement_id is not None:
            candidates.setdefault(requirement_id, []).append(document["filename"])
    named = {
        payload.get("storage_name")
        for payload in StoredEvent.objects.filter(
            aggregate_id__in=list(candidates), event_type=ev.DOCUMENT_FILE_UPLOADED
        ).values_list("payload", flat=True)
    }
    doomed = [name for names in candidates.values() for name in names if name not in named]
    for name in doomed[:limit]:
        storage.delete(name)
        logger.warning("unrecorded evidence file removed", extra={"storage_name": name})
    return doomed[:limit]
