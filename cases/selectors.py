"""Read queries shared by the REST API, the admin and the dashboard (never writes).

One definition per list: its filters and its ordering, each backed by an index of the model it
reads (see the `Meta.indexes` of `cases/models/`). Lists return unevaluated querysets so each
caller pages them its own way (keyset cursors in the API, the admin's paginator); single reads
raise `NotFound` instead of returning None, so no caller can answer 200 with nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Model, QuerySet
from django.utils import timezone

from cases import event_store
from cases.errors import NotFound
from cases.lifecycle import ACTIVE_CASE_STATUSES, CLAIMABLE_CASE_STATUSES
from cases.models import (
    BeneficialOwner,
    Case,
    Client,
    Company,
    DocumentRequirement,
    Notification,
    NotificationStatus,
    Person,
    RawEvent,
    RawEventStatus,
    StoredEvent,
)

__all__ = [
    "CaseDetail",
    "ClientDetail",
    "get_client_detail",
    "list_clients",
    "DashboardFigures",
    "compute_dashboard",
    "count_open_cases",
    "count_pending_notifications",
    "count_ingest_outcome",
    "get_dashboard",
    "list_company_cases",
    "WorkflowCounts",
    "count_workflow",
    "get_case",
    "get_case_detail",
    "get_case_timeline",
    "get_company",
    "get_raw_event",
    "get_requirement",
    "list_case_events",
    "committed_events",
    "list_case_persons",
    "list_case_requirements",
    "list_awaiting_approval",
    "list_cases",
    "list_cases_becoming_overdue",
    "list_claimable_cases",
    "list_company_owners",
    "list_company_persons",
    "list_raw_events",
]


def _get(model: type[Model], pk: uuid.UUID | str, label: str) -> Model:
    try:
        key = pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk))
    except ValueError:
        raise NotFound(f"{label} {pk} not found") from None
    instance = model.objects.filter(pk=key).first()
    if instance is None:
        raise NotFound(f"{label} {pk} not found")
    return instance


# --- Cases -----------------------------------------------------------------------------------


def get_case(case_id: uuid.UUID | str) -> Case:
    return _get(Case, case_id, "case")


def list_cases(
    *,
    client_id: str | None = None,
    traitement_type: str | None = None,
    case_type: str | None = None,
    status: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    assignee: str | None = None,
    overdue: bool | None = None,
    now: datetime | None = None,
) -> QuerySet[Case]:
    """Newest first, ties by ascending id: the exact key order of index `case_created`, so the
    server walks the index instead of sorting (the per-filter indexes share the prefix).

    `assignee` is a username (callers turn "me" into theirs); `overdue` means still open and
    past its due date at `now` (index `case_due`), whether or not CaseBecameOverdue is recorded.
    """
    queryset = Case.objects.order_by("-created_at", "id")
    if client_id:
        queryset = queryset.filter(client_id=client_id)
    if traitement_type:
        queryset = queryset.filter(traitement_type=traitement_type.upper())
    if case_type:
        queryset = queryset.filter(case_type=case_type)
    if status:
        queryset = queryset.filter(status=status.upper())
    if created_from:
        queryset = queryset.filter(created_at__gte=created_from)
    if created_to:
        queryset = queryset.filter(created_at__lt=created_to)
    if assignee:
        queryset = queryset.filter(assignee=assignee)
    if overdue is not None:
        late = {"status__in": ACTIVE_CASE_STATUSES, "due_at__lt": now or timezone.now()}
        queryset = queryset.filter(**late) if overdue else queryset.exclude(**late)
    return queryset


def list_claimable_cases(
    *, traitement_type: str | None = None, case_type: str | None = None
) -> QuerySet[Case]:
    """The claim-next queue: unassigned OPEN/IN_REVIEW cases, oldest first (index
    `case_claim_queue`)."""
    queryset = Case.objects.filter(
        status__in=CLAIMABLE_CASE_STATUSES, assignee__isnull=True
    ).order_by("created_at", "id")
    if traitement_type:
        queryset = queryset.filter(traitement_type=traitement_type.upper())
    if case_type:
        queryset = queryset.filter(case_type=case_type)
    return queryset


def list_awaiting_approval(*, username: str, groups: Collection[str] | None) -> QuerySet[Case]:
    """Proposals `username` may approve: pending for one of `groups` (None = any group, for
    superusers), never their own (index `case_awaiting`)."""
    queryset = Case.objects.filter(status="PENDING_APPROVAL", approval_group__isnull=False)
    if groups is not None:
        queryset = queryset.filter(approval_group__in=list(groups))
    return queryset.exclude(proposed_by=username).order_by("-created_at", "id")


@dataclass(frozen=True)
class WorkflowCounts:
    """The dashboard's workflow tiles: bounded, indexed counts (no full-collection count)."""

    overdue: int
    awaiting_approval: int
    awaiting_me: int | None  # None without a user to ask for


def count_workflow(
    *, now: datetime | None = None, username: str | None = None, groups: Collection[str] | None = ()
) -> WorkflowCounts:
    """Open cases past due (index `case_due`), proposals pending (index `case_status`) and, for
    `username`, those they may approve (index `case_awaiting`)."""
    overdue = list_cases(overdue=True, now=now or timezone.now()).order_by().count()
    pending = Case.objects.filter(status="PENDING_APPROVAL").order_by().count()
    mine = None
    if username:
        mine = list_awaiting_approval(username=username, groups=groups).order_by().count()
    return WorkflowCounts(overdue=overdue, awaiting_approval=pending, awaiting_me=mine)


def list_cases_becoming_overdue(*, now: datetime) -> QuerySet[Case]:
    """Open cases past their due date with no CaseBecameOverdue yet, earliest due first
    (index `case_due`)."""
    return Case.objects.filter(
        due_at__lte=now, status__in=ACTIVE_CASE_STATUSES, overdue_at__isnull=True
    ).order_by("due_at", "id")


@dataclass(frozen=True)
class CaseDetail:
    """Everything an analyst decides a case on, read in one place (API detail, admin page)."""

    case: Case
    company: Company | None
    persons: list[Person]
    owners: list[BeneficialOwner]
    requirements: list[DocumentRequirement]


def get_case_detail(case_id: uuid.UUID | str) -> CaseDetail:
    """Four indexed reads, whatever the number of parties: case, persons, company+owners,
    requirements."""
    case = get_case(case_id)
    company = Company.objects.filter(pk=case.company_id).first() if case.company_id else None
    owners = list(list_company_owners(company.pk)) if company else []
    return CaseDetail(
        case=case,
        company=company,
        persons=list(list_case_persons(case.pk)),
        owners=owners,
        requirements=list(list_case_requirements(case.pk)),
    )


def committed_events(events: list[StoredEvent]) -> list[StoredEvent]:
    """Only the events of committed commands (see cases.event_store): never half a command."""
    return event_store.visible(events)


def get_case_timeline(case_id: uuid.UUID | str) -> list[StoredEvent]:
    """The case's domain events, all aggregates (case, company, requirements, notifications),
    in the order they were recorded (index `event_case_timeline`); committed commands only.
    The same list as `list_case_events`, so the admin and the API share one ordering."""
    return committed_events(list(list_case_events(case_id)))


def list_case_events(case_id: uuid.UUID | str) -> QuerySet[StoredEvent]:
    """The timeline as a queryset for paging: same order, the event id breaking exact ties.

    Includes events of commands not (yet) committed: pass each page through
    `committed_events` before showing it.
    """
    case = get_case(case_id)
    return StoredEvent.objects.filter(case_id=case.pk).order_by(
        "recorded_at", "correlation_id", "sequence", "event_id"
    )


# --- Clients (SPEC §3b) ----------------------------------------------------------------------


def list_clients(
    *, traitement_type: str | None = None, has_open_case: bool | None = None
) -> QuerySet[Client]:
    """By client id (unique; indexes `client_traitement`, `client_open` for the filters)."""
    queryset = Client.objects.order_by("client_id")
    if traitement_type:
        queryset = queryset.filter(traitement_type=traitement_type.strip().upper())
    if has_open_case is not None:
        queryset = queryset.filter(has_open_case=has_open_case)
    return queryset


@dataclass(frozen=True)
class ClientDetail:
    client: Client
    cases: list[Case]  # newest first


def get_client_detail(client_id: str) -> ClientDetail:
    """The client and all its cases (two indexed reads: `client_id` unique, `case_client`)."""
    client = Client.objects.filter(client_id=client_id).first()
    if client is None:
        raise NotFound(f"client {client_id} not found")
    return ClientDetail(client, list(list_cases(client_id=client.client_id)))


# --- Parties ---------------------------------------------------------------------------------


def list_case_persons(case_id: uuid.UUID) -> QuerySet[Person]:
    """In message order (index `person_case`)."""
    return Person.objects.filter(case_id=case_id).order_by("position", "id")


def get_company(company_id: uuid.UUID | str) -> Company:
    return _get(Company, company_id, "company")


def list_company_persons(company_id: uuid.UUID) -> QuerySet[Person]:
    """Directors and officers, in message order (index `person_company`)."""
    return Person.objects.filter(company_id=company_id).order_by("position", "id")


def list_company_owners(company_id: uuid.UUID) -> QuerySet[BeneficialOwner]:
    """In message order (index `owner_company`)."""
    return BeneficialOwner.objects.filter(company_id=company_id).order_by("position", "id")


# --- Document requirements -------------------------------------------------------------------


def list_case_requirements(
    case_id: uuid.UUID,
    *,
    entity_id: uuid.UUID | None = None,
    entity_type: str | None = None,
    status: str | None = None,
    is_required: bool | None = None,
) -> QuerySet[DocumentRequirement]:
    """A case's requirements, per party then document type (index `req_case_entity`)."""
    queryset = DocumentRequirement.objects.filter(case_id=case_id).order_by(
        "entity_type", "entity_id", "document_type", "id"
    )
    if entity_type:
        queryset = queryset.filter(entity_type=entity_type.upper())
    if entity_id:
        queryset = queryset.filter(entity_id=entity_id)
    if status:
        queryset = queryset.filter(status=status.upper())
    if is_required is not None:
        queryset = queryset.filter(is_required=is_required)
    return queryset


def get_requirement(requirement_id: uuid.UUID | str) -> DocumentRequirement:
    return _get(DocumentRequirement, requirement_id, "document requirement")


# --- Raw events (the audit store) ------------------------------------------------------------


def list_raw_events(
    *,
    status: str | None = None,
    topic: str | None = None,
    client_id: str | None = None,
    ids: list[uuid.UUID] | None = None,
) -> QuerySet[RawEvent]:
    """Newest first (indexes `raw_received_id`, `raw_status_received`, `raw_topic_received`,
    `raw_client_received`)."""
    queryset = RawEvent.objects.order_by("-received_at", "id")
    if status:
        queryset = queryset.filter(status=status.upper())
    if topic:
        queryset = queryset.filter(topic=topic)
    if client_id:
        queryset = queryset.filter(client_id=client_id)
    if ids:
        queryset = queryset.filter(pk__in=ids)
    return queryset


def get_raw_event(raw_event_id: uuid.UUID | str) -> RawEvent:
    return _get(RawEvent, raw_event_id, "raw event")


# --- Back office (admin pages) ---------------------------------------------------------------


def list_company_cases(company_id: uuid.UUID) -> QuerySet[Case]:
    """Newest first (the `company` foreign key index)."""
    return Case.objects.filter(company_id=company_id).order_by("-created_at", "-id")


# --- Dashboard -------------------------------------------------------------------------------
# The triage figures of the admin index (SPEC §8). Each is an indexed count or a grouping over
# an indexed match, never a scan of a whole collection; together they are cached briefly, so a
# busy admin index costs a few queries a minute, whatever the number of analysts.

OPEN_CASE_STATUSES = ("OPEN", "IN_REVIEW")
DASHBOARD_CACHE_KEY = "casemgmt:dashboard:v1"


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
    from cases.models import Notification, NotificationStatus, RawEventStatus

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
    )


def get_dashboard(*, now: datetime | None = None) -> DashboardFigures:
    """The figures, at most `DASHBOARD_CACHE_SECONDS` old (Django's cache)."""
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone

    figures = cache.get(DASHBOARD_CACHE_KEY)
    if figures is None:
        figures = compute_dashboard(now=now or timezone.now())
        cache.set(DASHBOARD_CACHE_KEY, figures, settings.DASHBOARD_CACHE_SECONDS)
    return figures


# --- Gauges (casemgmt.cases.open, casemgmt.notifications.pending) ---------------------------
# Counts bounded by `cap` and served by the status indexes, so a refresh stays cheap on a
# collection of millions: past the cap the gauge reads "at least cap".


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
