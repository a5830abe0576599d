"""Workflow operations on cases (SPEC §3a): assign, claim-next, propose, approve, return.

Thin like the other routers: the permission `cases.change_case` opens the door, and the domain
decides who may do what (an analyst takes cases, a lead assigns anyone, the approver is never
the proposer); its refusals come back as 403 or 409 with the reason.
"""

from django.http import HttpRequest
from ninja import Router

from cases.api.auth import needs, principal_of
from cases.api.openapi import errors
from cases.api.params import CaseId, IdempotencyKey, current_trace_id, request_id_for
from cases.api.schemas import (
    AssignIn,
    CaseOut,
    ClaimNextIn,
    DecisionApproveIn,
    DecisionIn,
    DecisionReturnIn,
)
from cases.workflow.commands import (
    ApproveDecision,
    AssignCase,
    ClaimNextCase,
    ProposeDecision,
    ReturnDecision,
)
from cases.workflow.services import (
    approve_decision,
    assign_case,
    claim_next_case,
    propose_decision,
    return_decision,
)

__all__ = ["router"]

router = Router(tags=["workflow"])
WORK = needs("cases.change_case")


def _request(request: HttpRequest, idempotency_key: str | None) -> dict:
    """What every workflow command takes from the request: who, which request, which trace."""
    return {
        "actor": principal_of(request).user.get_username(),
        "request_id": request_id_for(request, idempotency_key),
        "trace_id": current_trace_id(),
    }


@router.post(
    "/claim-next",
    response={200: CaseOut, **errors(401, 403, 404, 422)},
    summary="Claim the oldest unassigned case",
    description="The oldest unassigned OPEN or IN_REVIEW case matching the filters, assigned to "
    "the caller atomically (two callers never get the same case); 404 when none is left. "
    "Analysts and leads only. Needs `cases.change_case`.",
    auth=WORK,
)
def claim_next(
    request: HttpRequest, body: ClaimNextIn, idempotency_key: str | None = IdempotencyKey
):
    return claim_next_case(
        ClaimNextCase(
            traitement_type=body.traitement_type,
            case_type=body.case_type,
            **_request(request, idempotency_key),
        )
    )


@router.post(
    "/{case_id}/assign",
    response={200: CaseOut, **errors(401, 403, 404, 409, 422)},
    summary="Assign a case (or unassign it)",
    description="An analyst takes an unassigned case or releases their own; a lead assigns "
    "anyone. `assignee: null` unassigns. Needs `cases.change_case`.",
    auth=WORK,
)
def assign(
    request: HttpRequest,
    case_id: CaseId,
    body: AssignIn,
    idempotency_key: str | None = IdempotencyKey,
):
    return assign_case(
        AssignCase(
            case_id=case_id,
            assignee=body.assignee,
            expected_version=body.expected_version,
            **_request(request, idempotency_key),
        )
    )


@router.post(
    "/{case_id}/decision",
    response={200: CaseOut, **errors(401, 403, 404, 409, 422)},
    summary="Propose a decision (four eyes)",
    description="The assignee proposes APPROVED or REJECTED with a rationale; the case goes to "
    "PENDING_APPROVAL. Proposing APPROVED while a required document is not verified or waived "
    "answers 409 listing them. Needs `cases.change_case`.",
    auth=WORK,
)
def propose(
    request: HttpRequest,
    case_id: CaseId,
    body: DecisionIn,
    idempotency_key: str | None = IdempotencyKey,
):
    return propose_decision(
        ProposeDecision(
            case_id=case_id,
            decision=body.decision,
            rationale=body.rationale,
            expected_version=body.expected_version,
            **_request(request, idempotency_key),
        )
    )


@router.post(
    "/{case_id}/decision/approve",
    response={200: CaseOut, **errors(401, 403, 404, 409, 422)},
    summary="Approve the pending decision",
    description="A member of the approving group (ApprovalRule) who is not the proposer; the "
    "case takes the proposed status. The proposer gets 403, superusers included. Needs "
    "`cases.change_case`.",
    auth=WORK,
)
def approve(
    request: HttpRequest,
    case_id: CaseId,
    body: DecisionApproveIn,
    idempotency_key: str | None = IdempotencyKey,
):
    return approve_decision(
        ApproveDecision(
            case_id=case_id,
            comment=body.comment,
            expected_version=body.expected_version,
            **_request(request, idempotency_key),
        )
    )


@router.post(
    "/{case_id}/decision/return",
    response={200: CaseOut, **errors(401, 403, 404, 409, 422)},
    summary="Return the pending decision to review",
    description="Same people as approve; the case goes back to IN_REVIEW with the reason. "
    "Needs `cases.change_case`.",
    auth=WORK,
)
def return_(
    request: HttpRequest,
    case_id: CaseId,
    body: DecisionReturnIn,
    idempotency_key: str | None = IdempotencyKey,
):
    return return_decision(
        ReturnDecision(
            case_id=case_id,
            reason=body.reason,
            expected_version=body.expected_version,
            **_request(request, idempotency_key),
        )
    )
