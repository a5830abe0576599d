"""Dates for clients approved before periodic review existed (migration 0024): their newest
approved case gets the `ReviewScheduled` its approval would append today, from the approval's
time, so a client approved long ago is due at once. Idempotent: the event's id derives from the
case, and a client with a schedule or a review already is left alone."""

from __future__ import annotations

import uuid

from django.utils import timezone

from cases.core import event_store, projections
from cases.core import events as ev
from cases.core.errors import ConcurrencyConflict
from cases.models import Case, Client, StoredEvent
from cases.reviews.cadence import load_cadences, schedule_review
from cases.reviews.handlers import add_review_scheduled

__all__ = ["schedule_missing_reviews"]


def _newest_approved(chunk: int = 2000):
    """Each client's newest APPROVED case (index `case_status`), a chunk at a time."""
    seen: set[str] = set()
    queryset = Case.objects.filter(status="APPROVED").order_by("-created_at")
    for case in queryset.iterator(chunk_size=chunk):
        if case.client_id not in seen:
            seen.add(case.client_id)
            yield case


def schedule_missing_reviews() -> list[uuid.UUID]:
    """Append ReviewScheduled to the newest approved case of every client without a date;
    returns the cases scheduled."""
    cadences, now, scheduled = load_cadences(), timezone.now(), []
    for case in _newest_approved():
        client = Client.objects.filter(client_id=case.client_id).first()
        if client is None or client.has_open_case or client.scheduled_review_at:
            continue
        if client.last_review_case_id or case.version == 0:
            continue
        approval = (
            StoredEvent.objects.filter(case_id=case.pk, event_type=ev.DECISION_APPROVED)
            .order_by("-version")
            .first()
        )
        approved_at = approval.occurred_at if approval else case.updated_at
        metadata = ev.Metadata(str(case.pk), f"review-backfill:{case.pk}", actor="system")
        sequence = ev.EventSequence(metadata, now, start_versions={case.pk: case.version})
        add_review_scheduled(
            sequence, case.pk, schedule_review(case.risk_level, cadences, approved_at)
        )
        try:
            event_store.append(sequence.events)
        except ConcurrencyConflict:
            continue  # the case moved on since it was read: the next run decides again
        projections.project(sequence.events)
        scheduled.append(case.pk)
    return scheduled
