"""Cases: the lists and queues analysts work from, the detail page and the timeline."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from cases.core import event_store
from cases.core.lifecycle import ACTIVE_CASE_STATUSES, CLAIMABLE_CASE_STATUSES
from cases.models import BeneficialOwner, Case, Company, DocumentRequirement, Person, StoredEvent
from cases.selectors.base import get_by_pk
from cases.selectors.documents import list_case_requirements
from cases.selectors.parties import list_case_persons, list_company_owners


def get_case(case_id: uuid.UUID | str) -> Case:
    return get_by_pk(Case, case_id, "case")


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
    risk_level: str | None = None,
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
    if risk_level:
        queryset = queryset.filter(risk_level=risk_level.upper())  # index `case_risk`
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
    """Only the events of committed commands (see cases.core.event_store): never half a command."""
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
