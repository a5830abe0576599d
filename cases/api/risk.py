"""A case's risk rating and the four-eyes override (SPEC §3d).

Thin like the other routers. Reading needs `cases.view_case`; proposing, approving or returning
an override is a case write (`cases.change_case`), and the domain decides the rest: analysts
propose, a member of the lead group other than the proposer approves or returns. Refusals are
403 (who may act), 404, 409 (the case's state refuses it: an override already awaits a lead,
none does, the case is not rated, closed or rejected, has that level already, is rated
PROHIBITED, or moved on) or 422 (no rationale).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from cases.api.auth import needs, principal_of
from cases.api.openapi import errors
from cases.api.params import CaseId, IdempotencyKey, current_trace_id, request_id_for
from cases.api.schemas import (
    CaseRiskOut,
    RiskOverrideApproveIn,
    RiskOverrideIn,
    RiskOverrideReturnIn,
)
from cases.models import Case
from cases.risk.commands import ApproveRiskOverride, ProposeRiskOverride, ReturnRiskOverride
from cases.risk.services import approve_override, case_risk, propose_override, return_override

__all__ = ["router"]

router = Router(tags=["risk"])

WRITE = needs("cases.change_case")


def _risk(case_id) -> dict[str, Any]:
    risk = case_risk(case_id)
    return {
        "case_id": risk.case_id,
        "case_version": risk.case_version,
        "level": risk.level,
        "score": risk.score,
        "factors": risk.factors,
        "model_version": risk.model_version,
        "assessed_at": risk.assessed_at,
        "override": risk.override,
        "overridden": risk.overridden,
    }


def _request(request: HttpRequest, idempotency_key: str | None) -> dict[str, str]:
    return {
        "actor": principal_of(request).user.get_username(),
        "request_id": request_id_for(request, idempotency_key),
        "trace_id": current_trace_id(),
    }


def _answer(case: Case) -> dict[str, Any]:
    return _risk(case.pk)


@router.get(
    "/{case_id}/risk",
    response={200: CaseRiskOut, **errors(401, 403, 404, 422)},
    summary="A case's risk level with its reasons",
    description="The level (LOW, MEDIUM, HIGH, PROHIBITED), the score, every factor that "
    "contributed with its points, the risk model version it was rated with and when, and an "
    "override proposed or in force. Needs `cases.view_case`.",
    auth=needs("cases.view_case"),
)
def get_case_risk(request: HttpRequest, case_id: CaseId):
    return _risk(case_id)


@router.post(
    "/{case_id}/risk/override",
    response={200: CaseRiskOut, **errors(401, 403, 404, 409, 413, 422)},
    summary="Propose another risk level (four eyes)",
    description="An analyst sets the level by hand with a rationale; it takes effect when a "
    "member of the lead group other than the proposer approves it. 409 when an override "
    "already awaits a lead, the case is not rated, rejected or closed, already has that level, "
    "or is rated PROHIBITED (it follows from the model: only REJECTED remains). "
    "Needs `cases.change_case`.",
    auth=WRITE,
)
def propose(
    request: HttpRequest,
    body: RiskOverrideIn,
    case_id: CaseId,
    idempotency_key: str | None = IdempotencyKey,
):
    case = propose_override(
        ProposeRiskOverride(
            case_id=case_id,
            level=body.level,
            rationale=body.rationale,
            expected_version=body.expected_version,
            **_request(request, idempotency_key),
        )
    )
    return _answer(case)


@router.post(
    "/{case_id}/risk/override/approve",
    response={200: CaseRiskOut, **errors(401, 403, 404, 409, 413, 422)},
    summary="Approve a proposed risk override (four eyes)",
    description="A member of the lead group who did not propose it; the override becomes the "
    "case's level (`RiskLevelChanged`), and HIGH or above raises an open case to "
    "ENHANCED_DUE_DILIGENCE. The proposer gets 403, superusers included; 409 when no "
    "override awaits. Needs `cases.change_case`.",
    auth=WRITE,
)
def approve(
    request: HttpRequest,
    body: RiskOverrideApproveIn,
    case_id: CaseId,
    idempotency_key: str | None = IdempotencyKey,
):
    case = approve_override(
        ApproveRiskOverride(
            case_id=case_id,
            comment=body.comment,
            expected_version=body.expected_version,
            **_request(request, idempotency_key),
        )
    )
    return _answer(case)


@router.post(
    "/{case_id}/risk/override/return",
    response={200: CaseRiskOut, **errors(401, 403, 404, 409, 413, 422)},
    summary="Return a proposed risk override",
    description="Same people as approve; the proposal is dropped with the reason and the "
    "level stays. Needs `cases.change_case`.",
    auth=WRITE,
)
def return_(
    request: HttpRequest,
    body: RiskOverrideReturnIn,
    case_id: CaseId,
    idempotency_key: str | None = IdempotencyKey,
):
    case = return_override(
        ReturnRiskOverride(
            case_id=case_id,
            reason=body.reason,
            expected_version=body.expected_version,
            **_request(request, idempotency_key),
        )
    )
    return _answer(case)
