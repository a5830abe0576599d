"""Document evidence (SPEC §5a): file versions, who opened them, what expires."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from cases.models import DocumentRequirement, EvidenceAccess, EvidenceFile

VERIFIED_STATUSES = ("VERIFIED_MANUAL", "VERIFIED_SYSTEM")


def list_evidence_versions(requirement_id: uuid.UUID) -> QuerySet[EvidenceFile]:
    """A requirement's file versions, newest first (index `evidence_requirement_version`)."""
    return EvidenceFile.objects.filter(requirement_id=requirement_id).order_by("-version")


def list_evidence_accesses(requirement_id: uuid.UUID) -> QuerySet[EvidenceAccess]:
    """Who opened a requirement's files, newest first (index `evidence_access_recent`)."""
    return EvidenceAccess.objects.filter(requirement_id=requirement_id).order_by("-at", "id")


def list_expired_documents(*, today: date) -> QuerySet[DocumentRequirement]:
    """Verified requirements whose file expired before `today`, earliest first (index
    `req_status_expiry`): what the expiry check re-opens."""
    return DocumentRequirement.objects.filter(
        status__in=VERIFIED_STATUSES, expires_on__lt=today
    ).order_by("expires_on", "id")


def count_documents_expiring(within_days: int = 30, *, today: date | None = None) -> int:
    """Verified documents expiring from today to `within_days` ahead (the dashboard's tile);
    a range count on index `req_status_expiry`."""
    today = today or timezone.localdate()
    return DocumentRequirement.objects.filter(
        status__in=VERIFIED_STATUSES,
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=within_days),
    ).count()
