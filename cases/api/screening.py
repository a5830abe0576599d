"""Screening of a case's parties and the resolution of their hits (SPEC §3c).

Thin like the other routers. Reading needs `cases.view_case` and `cases.view_screeninghit`;
asking for a new screening is a case write (`cases.change_case`, analysts); resolving needs
`cases.resolve_screeninghit`, and the domain decides the rest: a TRUE_MATCH is only proposed
until a member of the lead group other than the proposer approves it. Refusals are 403 (who
may act), 404, 409 (the hit or the case is not in the state the action needs) or 422.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Path, Router, Status

from cases import selectors
from cases.api.auth import needs, principal_of
from cases.api.openapi import errors
from cases.api.params import CaseId, IdempotencyKey, current_trace_id, request_id_for
from cases.api.schemas import (
    CaseScreeningOut,
    HitApproveIn,
    HitResolveIn,
    HitReturnIn,
    ScreeningHitOut,
)
from cases.screening.commands import ApproveHitMatch, ResolveHit, ReturnHitMatch
from cases.screening.services import (
    approve_hit_match,
    rescreen_case,
    resolve_hit,
    return_hit_match,
)

__all__ = ["case_router", "hit_router"]

case_router = Router(tags=["screening"])
hit_router = Router(tags=["screening"])

READ = needs("cases.view_case", "cases.view_screeninghit")
RESOLVE = needs("cases.resolve_screeninghit")
HitId = Path(..., description="Id of the screening hit (UUID); an unknown id answers 404.")


def _screening(case_id) -> dict:
    """The case's screening as CaseScreeningOut reads it."""
    screening = selectors.get_case_screening(case_id)
    unresolved = {"OPEN", "MATCH_PROPOSED"}
    return {
        "case_id": screening.case.pk,
        "case_version": screening.case.version,
        "screening_pending": screening.screening_pending,
        "pending_requests": screening.pending_requests,
        "open_hits": sum(
            hit.status in unresolved for party in screening.parties for hit in party.hits
        ),
        "parties": screening.parties,
    }


def _request(request: HttpRequest, idempotency_key: str | None) -> dict:
    return {
        "actor": principal_of(request).user.get_username(),
        "request_id": request_id_for(request, idempotency_key),
        "trace_id": current_trace_id(),
    }


@case_router.get(
    "/{case_id}/screening",
    response={200: CaseScreeningOut, **errors(401, 403, 404, 422)},
    summary="Screening of a case's parties",
    description="For each party (company, persons, beneficial owners): whether a screening is "
    "queued, its latest screening per list (dataset, list version, algorithm, threshold, "
    "when) and its hits, best score first, with the list entity's names, birth dates, "
    "countries, topics, the score, the features that made it and the resolution. Needs "
    "`cases.view_case` and `cases.view_screeninghit`.",
    auth=READ,
)
def get_case_screening(request: HttpRequest, case_id: CaseId):
    return _screening(case_id)


@case_router.post(
    "/{case_id}/screening/rescreen",
    # 413: an Idempotency-Key makes the request's digest read whatever body was sent.
    response={202: CaseScreeningOut, **errors(401, 403, 404, 409, 413, 422)},
    summary="Screen the case's parties again",
    description="Queues a screening of every current party against every list; the worker "
    "runs it (`screening_pending` until then). 409 when the case is REJECTED or CLOSED. "
    "Analysts and leads only. Needs `cases.change_case`.",
    auth=needs("cases.change_case"),
)
def rescreen(request: HttpRequest, case_id: CaseId, idempotency_key: str | None = IdempotencyKey):
    who = _request(request, idempotency_key)
    rescreen_case(case_id, who["actor"], request_id=who["request_id"])
    return Status(202, _screening(case_id))


@hit_router.post(
    "/hits/{hit_id}/resolve",
    response={200: ScreeningHitOut, **errors(401, 403, 404, 409, 422)},
    summary="Resolve a screening hit",
    description="FALSE_POSITIVE resolves the hit and whitelists the list entity for this party "
    "(not raised again unless the entity changes in a later list version). TRUE_MATCH is a "
    "proposal (status MATCH_PROPOSED) that a member of the lead group other than the "
    "proposer approves or returns. 409 when the hit is not OPEN. Needs "
    "`cases.resolve_screeninghit`.",
    auth=RESOLVE,
)
def resolve(
    request: HttpRequest,
    body: HitResolveIn,
    hit_id: uuid.UUID = HitId,
    idempotency_key: str | None = IdempotencyKey,
):
    return resolve_hit(
        ResolveHit(
            hit_id=hit_id,
            resolution=body.resolution,
            rationale=body.rationale,
            expected_version=body.expected_version,
            **_request(request, idempotency_key),
        )
    )


@hit_router.post(
    "/hits/{hit_id}/approve",
    response={200: ScreeningHitOut, **errors(401, 403, 404, 409, 422)},
    summary="Approve a proposed TRUE_MATCH (four eyes)",
    description="A member of the lead group who did not propose it; the hit becomes "
    "TRUE_MATCH. A pending decision on the case goes back to review; a PEP raises the case to "
    "ENHANCED_DUE_DILIGENCE. The proposer gets 403, superusers included; 409 when no match "
    "is proposed. Needs `cases.resolve_screeninghit`.",
    auth=RESOLVE,
)
def approve(
    request: HttpRequest,
    body: HitApproveIn,
    hit_id: uuid.UUID = HitId,
    idempotency_key: str | None = IdempotencyKey,
):
    return approve_hit_match(
        ApproveHitMatch(
            hit_id=hit_id,
            comment=body.comment,
            expected_version=body.expected_version,
            **_request(request, idempotency_key),
        )
    )


@hit_router.post(
    "/hits/{hit_id}/return",
    response={200: ScreeningHitOut, **errors(401, 403, 404, 409, 422)},
    summary="Return a proposed TRUE_MATCH",
    description="Same people as approve; the hit is OPEN again, with the reason. Needs "
    "`cases.resolve_screeninghit`.",
    auth=RESOLVE,
)
def return_(
    request: HttpRequest,
    body: HitReturnIn,
    hit_id: uuid.UUID = HitId,
    idempotency_key: str | None = IdempotencyKey,
):
    return return_hit_match(
        ReturnHitMatch(
            hit_id=hit_id,
            reason=body.reason,
            expected_version=body.expected_version,
            **_request(request, idempotency_key),
        )
    )
