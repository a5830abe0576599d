"""The back office's risk reads (SPEC §3d, §8): the "High risk" and "Reviews due" queues of the
case list, and the dashboard's clients by level and reviews due per month.

Every read walks an index: `case_risk` (risk_level, created_at) for the high-risk queue,
`client_risk` (risk_level, client_id) for one count per level, `client_next_review`
(next_review_at, client_id) for the review figures. Nothing counts a whole collection; the
dashboard figures are cached like the triage ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from cases.models import Case, Client, RiskLevel
from cases.selectors.clients import list_clients

__all__ = [
    "HIGH_RISK_LEVELS",
    "RiskOverview",
    "compute_risk_overview",
    "get_risk_overview",
    "list_cases_due_for_review",
    "list_high_risk_cases",
]

HIGH_RISK_LEVELS = (RiskLevel.HIGH.value, RiskLevel.PROHIBITED.value)
LEVELS = tuple(level.value for level in RiskLevel)
REVIEW_QUEUE_CLIENTS = 500  # the case-list queue lists the cases of the first N clients due
RISK_OVERVIEW_CACHE_KEY = "casemgmt:risk-overview:v1"


def list_high_risk_cases() -> QuerySet[Case]:
    """Cases rated HIGH or PROHIBITED, newest first (index `case_risk`)."""
    return Case.objects.filter(risk_level__in=HIGH_RISK_LEVELS).order_by("-created_at", "id")


def list_cases_due_for_review(
    *, now: datetime | None = None, days: int = 30, clients: int = REVIEW_QUEUE_CLIENTS
) -> QuerySet[Case]:
    """The approved cases of the clients due for review within `days` (overdue ones included):
    the case each review starts from. Two indexed reads: the first `clients` clients by date
    (`client_next_review`), then their cases (`case_client`); bounded by that cap, no join."""
    before = (now or timezone.now()) + timedelta(days=days)
    client_ids = list(
        list_clients(review_due_before=before).values_list("client_id", flat=True)[:clients]
    )
    return Case.objects.filter(client_id__in=client_ids, status="APPROVED").order_by(
        "-created_at", "id"
    )


@dataclass(frozen=True)
class RiskOverview:
    """Plain data (no model instances), so it caches and renders without further queries."""

    computed_at: datetime
    clients_by_level: dict[str, int]  # LOW … PROHIBITED, then "UNRATED"
    reviews_overdue: int  # due before this month and not opened yet (a running review clears it)
    reviews_due_per_month: list[tuple[date, int]]  # this month first


def _month_starts(today: date, months: int) -> list[datetime]:
    """The first instant of this month and of the `months` after it (UTC)."""
    year, month = today.year, today.month
    starts = []
    for _ in range(months + 1):
        starts.append(datetime(year, month, 1, tzinfo=UTC))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return starts


def _clients_by_level() -> dict[str, int]:
    """One count per level on index `client_risk`; clients rated by no case yet last."""
    counts = {level: Client.objects.filter(risk_level=level).count() for level in LEVELS}
    counts["UNRATED"] = Client.objects.filter(risk_level__isnull=True).count()
    return counts


def _reviews_due(today: date, months: int) -> tuple[int, list[tuple[date, int]]]:
    """One range count per month on `next_review_at`; before this month counts as overdue."""
    starts = _month_starts(today, months)
    overdue = Client.objects.filter(next_review_at__lt=starts[0]).count()
    per_month = [
        (
            start.date(),
            Client.objects.filter(next_review_at__gte=start, next_review_at__lt=end).count(),
        )
        for start, end in zip(starts, starts[1:], strict=False)
    ]
    return overdue, per_month


def compute_risk_overview(*, now: datetime, months: int = 12) -> RiskOverview:
    """The figures as of `now`, uncached (tests and the cache both call this)."""
    overdue, per_month = _reviews_due(now.astimezone(UTC).date(), months)
    return RiskOverview(
        computed_at=now,
        clients_by_level=_clients_by_level(),
        reviews_overdue=overdue,
        reviews_due_per_month=per_month,
    )


def get_risk_overview(*, now: datetime | None = None) -> RiskOverview:
    """The figures, at most `DASHBOARD_CACHE_SECONDS` old (Django's cache)."""
    figures = cache.get(RISK_OVERVIEW_CACHE_KEY)
    if figures is None:
        figures = compute_risk_overview(now=now or timezone.now())
        cache.set(RISK_OVERVIEW_CACHE_KEY, figures, settings.DASHBOARD_CACHE_SECONDS)
    return figures
