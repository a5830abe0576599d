"""Screening reads (SPEC §3c): a case's hits and latest screenings, the unresolved-hits queue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet

from cases.models import Case, Company, HitStatus, PartyScreening, ScreeningHit, ScreeningRequest
from cases.selectors.base import get_by_pk
from cases.selectors.cases import get_case
from cases.selectors.parties import list_case_persons, list_company_owners

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


# --- The case page's Screening panel and the API's GET /cases/{id}/screening ----------------


@dataclass(frozen=True)
class ScreenedParty:
    """One party of a case with its latest screening per list and its hits (best first)."""

    party_type: str  # COMPANY, PERSON or OWNER
    party_id: uuid.UUID
    name: str
    removed: bool  # left the case in a client update; its hits stay on record
    pending: bool  # a screening request naming it has not run yet
    screenings: tuple[PartyScreening, ...]
    hits: tuple[ScreeningHit, ...]


@dataclass(frozen=True)
class CaseScreening:
    case: Case
    pending_requests: int
    parties: tuple[ScreenedParty, ...]

    @property
    def screening_pending(self) -> bool:
        return self.pending_requests > 0


def _parties_of(case: Case) -> list[tuple[str, uuid.UUID, str, bool]]:
    """(kind, id, name, removed) in page order: company, persons, beneficial owners."""
    parties: list[tuple[str, uuid.UUID, str, bool]] = []
    if case.company_id:
        company = Company.objects.filter(pk=case.company_id).first()
        if company is not None:
            parties.append(("COMPANY", company.pk, company.registered_name, False))
    for person in list_case_persons(case.pk):
        name = f"{person.firstname} {person.lastname}"
        parties.append(("PERSON", person.pk, name, person.removed_at is not None))
    if case.company_id:
        for owner in list_company_owners(case.company_id):
            parties.append(("OWNER", owner.pk, str(owner.person), owner.removed_at is not None))
    return parties


def get_case_screening(case_id: uuid.UUID | str) -> CaseScreening:
    """Six indexed reads whatever the number of hits: the case, its parties (`person_case`,
    `owner_company`), latest screenings (`partyscreen_case`), hits (`screenhit_case_status`)
    and requests (`screenreq_case`). NotFound for an unknown case."""
    case = get_case(case_id)
    screenings: dict[uuid.UUID, list[PartyScreening]] = {}
    for screening in list_case_screenings(case.pk):
        screenings.setdefault(screening.party_id, []).append(screening)
    hits: dict[uuid.UUID, list[ScreeningHit]] = {}
    for hit in ScreeningHit.objects.filter(case_id=case.pk):
        hits.setdefault(hit.party_id, []).append(hit)
    pending = [r for r in list_case_screening_requests(case.pk) if r.status == "PENDING"]
    waiting = {uuid.UUID(str(p["party_id"])) for r in pending for p in r.parties}
    parties = _parties_of(case)
    known = {party_id for _, party_id, _, _ in parties}
    for party_id in sorted(set(hits) - known, key=str):  # a party the case no longer lists
        kind = hits[party_id][0].party_type
        parties.append((kind, party_id, f"{kind.title()} {str(party_id)[:8]}", True))
    return CaseScreening(
        case=case,
        pending_requests=len(pending),
        parties=tuple(
            ScreenedParty(
                party_type=kind,
                party_id=party_id,
                name=name,
                removed=removed,
                pending=party_id in waiting,
                screenings=tuple(screenings.get(party_id, ())),
                hits=tuple(sorted(hits.get(party_id, ()), key=lambda h: (-h.score, str(h.pk)))),
            )
            for kind, party_id, name, removed in parties
        ),
    )


def get_hit(hit_id: uuid.UUID | str) -> ScreeningHit:
    return get_by_pk(ScreeningHit, hit_id, "screening hit")


def list_hit_queue(*, status: str | None = None) -> QuerySet[ScreeningHit]:
    """The "Unresolved hits" queue, or one of its two statuses, oldest first (index
    `screenhit_status`); another status gives an empty list, not the resolved hits."""
    if status is None:
        return list_unresolved_hits()
    wanted = status.upper()
    if wanted not in UNRESOLVED:
        return ScreeningHit.objects.none()
    return ScreeningHit.objects.filter(status=wanted).order_by("raised_at", "id")


@dataclass(frozen=True)
class ScreeningWork:
    open_hits: int
    proposed_matches: int  # TRUE_MATCH proposals waiting for a lead
    pending_requests: int  # screenings the worker has not run yet


def count_screening_work() -> ScreeningWork:
    """The dashboard's screening figures: hits OPEN and MATCH_PROPOSED (index
    `screenhit_status`) and requests waiting for the worker (index `screenreq_queue`)."""
    hits = ScreeningHit.objects.order_by()
    return ScreeningWork(
        open_hits=hits.filter(status=HitStatus.OPEN).count(),
        proposed_matches=hits.filter(status=HitStatus.MATCH_PROPOSED).count(),
        pending_requests=ScreeningRequest.objects.filter(status="PENDING").order_by().count(),
    )
