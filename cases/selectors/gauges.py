"""Gauges (casemgmt.cases.open, casemgmt.notifications.pending) and the demo's summary.

Counts bounded by `cap` and served by the status indexes, so a refresh stays cheap on a
collection of millions: past the cap the gauge reads "at least cap".
"""

from __future__ import annotations

from datetime import datetime

from cases.models import Case, Notification, NotificationStatus, RawEvent, RawEventStatus
from cases.selectors.dashboard import OPEN_CASE_STATUSES


def count_open_cases(*, cap: int) -> dict[str, int]:
    """Cases per open status, each counted up to `cap` (index `case_status`)."""
    return {
        status: Case.objects.filter(status=status).order_by()[:cap].count()
        for status in OPEN_CASE_STATUSES
    }


def count_pending_notifications(*, cap: int) -> tuple[int, datetime | None]:
    """Pending outbox rows up to `cap`, and when the oldest was created (index
    `notification_status`)."""
    pending = Notification.objects.filter(status=NotificationStatus.PENDING)
    oldest = pending.order_by("created_at", "id").values_list("created_at", flat=True).first()
    return pending.order_by()[:cap].count(), oldest


def count_ingest_outcome(*, cap: int) -> dict[str, int]:
    """What ingest and the relay made of the records so far, each figure counted up to `cap`:
    raw records per status (index `raw_status_received`), cases (primary key) and notifications
    per status (index `notification_status`). The demo's summary (`wait_for_consumer`)."""
    figures = {
        f"records_{status.lower()}": RawEvent.objects.filter(status=status).order_by()[:cap].count()
        for status in RawEventStatus.values
    }
    figures["cases"] = Case.objects.order_by()[:cap].count()
    for status in NotificationStatus.values:
        figures[f"notifications_{status.lower()}"] = (
            Notification.objects.filter(status=status).order_by()[:cap].count()
        )
    return figures
