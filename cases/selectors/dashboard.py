"""The triage figures of the admin index (SPEC §8).

Each is an indexed count or a grouping over an indexed match, never a scan of a whole
collection; together they are cached briefly, so a busy admin index costs a few queries a
minute, whatever the number of analysts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from cases.models import Case, Notification, NotificationStatus, RawEvent, RawEventStatus
from cases.selectors.evidence import count_documents_expiring
from cases.selectors.screening import ScreeningWork, count_screening_work

OPEN_CASE_STATUSES = ("OPEN", "IN_REVIEW")
DASHBOARD_CACHE_KEY = "casemgmt:dashboard:v3"  # v3: documents expiring (v2: screening)
EXPIRY_WINDOW_DAYS = 30


@dataclass(frozen=True)
class DashboardFigures:
    """Plain data (no model instances), so it caches and renders without further queries."""

    computed_at: datetime
    open_by_status: dict[str, dict[str, int]]  # status → traitement_type → count
    open_by_case_type: dict[str, int]
    opened_per_day: list[tuple[date, int]]  # oldest day first, today last
    oldest_open: list[dict]  # id, client_id, traitement_type, case_type, status, created_at
    raw_events_last_24h: dict[str, int]  # REJECTED / FAILED → count
    notifications: dict[str, int]  # PENDING / FAILED → count
    screening: ScreeningWork  # unresolved hits, proposed matches, screenings pending
    documents_expiring: int  # verified documents whose expires_on falls in the next 30 days


def _open_case_groups() -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """One grouping over the open statuses (index `case_status`); a handful of groups back."""
    by_status: dict[str, dict[str, int]] = {status: {} for status in OPEN_CASE_STATUSES}
    by_case_type: dict[str, int] = {}
    rows = (
        Case.objects.filter(status__in=OPEN_CASE_STATUSES)
        .values("status", "traitement_type", "case_type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        per_type = by_status.setdefault(row["status"], {})
        per_type[row["traitement_type"]] = per_type.get(row["traitement_type"], 0) + row["n"]
        by_case_type[row["case_type"]] = by_case_type.get(row["case_type"], 0) + row["n"]
    return by_status, dict(sorted(by_case_type.items(), key=lambda item: (-item[1], item[0])))


def _opened_per_day(today: date, days: int) -> list[tuple[date, int]]:
    """One range count per UTC day on `created_at` (index `case_created`): bounded work each."""
    figures = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        start = datetime.combine(day, time.min, tzinfo=UTC)
        count = Case.objects.filter(
            created_at__gte=start, created_at__lt=start + timedelta(days=1)
        ).count()
        figures.append((day, count))
    return figures


def _oldest_open(limit: int) -> list[dict]:
    """The first `limit` of each open status by age (index `case_status`), merged."""
    rows: list[dict] = []
    for status in OPEN_CASE_STATUSES:
        rows.extend(
            Case.objects.filter(status=status)
            .order_by("created_at", "id")
            .values("id", "client_id", "traitement_type", "case_type", "status", "created_at")[
                :limit
            ]
        )
    return sorted(rows, key=lambda row: (row["created_at"], str(row["id"])))[:limit]


def compute_dashboard(*, now: datetime, days: int = 30, oldest: int = 10) -> DashboardFigures:
    """The figures as of `now`, uncached (tests and the cache both call this)."""
    by_status, by_case_type = _open_case_groups()
    since = now - timedelta(hours=24)
    return DashboardFigures(
        computed_at=now,
        open_by_status=by_status,
        open_by_case_type=by_case_type,
        opened_per_day=_opened_per_day(now.astimezone(UTC).date(), days),
        oldest_open=_oldest_open(oldest),
        raw_events_last_24h={
            status: RawEvent.objects.filter(status=status, received_at__gte=since).count()
            for status in (RawEventStatus.REJECTED, RawEventStatus.FAILED)
        },
        notifications={
            status: Notification.objects.filter(status=status).count()
            for status in (NotificationStatus.PENDING, NotificationStatus.FAILED)
        },
        screening=count_screening_work(),
        documents_expiring=count_documents_expiring(within_days=EXPIRY_WINDOW_DAYS),
    )


def get_dashboard(*, now: datetime | None = None) -> DashboardFigures:
    """The figures, at most `DASHBOARD_CACHE_SECONDS` old (Django's cache)."""
    figures = cache.get(DASHBOARD_CACHE_KEY)
    if figures is None:
        figures = compute_dashboard(now=now or timezone.now())
        cache.set(DASHBOARD_CACHE_KEY, figures, settings.DASHBOARD_CACHE_SECONDS)
    return figures
