"""Screening reads (SPEC §3c): a case's hits and latest screenings, the unresolved-hits queue."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from cases.models import HitStatus, PartyScreening, ScreeningHit, ScreeningRequest

UNRESOLVED = (HitStatus.OPEN, HitStatus.MATCH_PROPOSED)


def list_case_hits(case_id: uuid.UUID, *, status: str | None = None) -> QuerySet[ScreeningHit]:
    """A case's hits, best score first (index `screenhit_case_status`)."""
    queryset = ScreeningHit.objects.filter(case_id=case_id).order_by("-score", "id")
    return queryset.filter(status=status.upper()) if status else queryset


def list_unresolved_case_hits(case_id: uuid.UUID) -> QuerySet[ScreeningHit]:
    """Hits of a case still open or awaiting a lead's approval (the decision guard's read)."""
    return ScreeningHit.objects.filter(case_id=case_id, status__in=UNRESOLVED).order_by(
        "-score", "id"
    )


def list_unresolved_hits() -> QuerySet[ScreeningHit]:
    """The "Unresolved hits" queue across cases, oldest first (index `screenhit_status`)."""
    return ScreeningHit.objects.filter(status__in=UNRESOLVED).order_by("raised_at", "id")


def list_case_screenings(case_id: uuid.UUID) -> QuerySet[PartyScreening]:
    """Each party's latest screening per list (index `partyscreen_case`)."""
    return PartyScreening.objects.filter(case_id=case_id).order_by("party_id", "dataset")


def list_case_screening_requests(case_id: uuid.UUID) -> QuerySet[ScreeningRequest]:
    return ScreeningRequest.objects.filter(case_id=case_id).order_by("requested_at", "id")
