"""The expiry check (SPEC §5a), one of the periodic checks (`cases.core.periodic`).

A verified requirement whose version's `expires_on` has passed re-opens (DocumentExpired →
AWAITING_UPLOAD) and the client is asked for a new document (DOCUMENT_EXPIRED notification),
once per (requirement, version), however often and by however many processes it runs: the
event's id and the notification's id both derive from (requirement, version), so a second
writer stores nothing new. Order as the overdue check: append, notify, project; a crash at any
point is finished by the next run (a requirement leaves the list only once projected).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.utils import timezone

from cases import selectors
from cases.core import projections
from cases.core.periodic import periodic_check, store_once
from cases.evidence.handlers import ExpiryState, handle_expire_document, verified_file_version
from cases.notifications.services import notify_document_expired

__all__ = ["check_expired_documents"]


def check_expired_documents(*, now: datetime | None = None, limit: int = 500) -> list[uuid.UUID]:
    """Re-open verified requirements past their expiry date; returns the ids re-opened."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    reopened = []
    for requirement in selectors.list_expired_documents(today=today)[:limit]:
        state = ExpiryState(
            requirement_id=requirement.pk,
            case_id=requirement.case_id,
            status=requirement.status,
            version=requirement.version,
            expires_on=requirement.expires_on,
            file_version=verified_file_version(requirement.history or []),
        )
        events = handle_expire_document(state, today, now)
        if not events:
            continue
        stored = store_once(events)
        if stored is None:
            continue  # the requirement moved on since it was read; the next run decides again
        payload = stored.payload
        notify_document_expired(
            requirement.case_id,
            requirement.pk,
            requirement.document_type,
            payload["version"],
            payload["expires_on"],
        )
        projections.project([stored])
        reopened.append(requirement.pk)
    return reopened


@periodic_check("expired_documents")
def _expired_documents(now: datetime, limit: int) -> list[uuid.UUID]:
    return check_expired_documents(now=now, limit=limit)
