"""Cases: list, create, read, change status, add notes, timeline (SPEC §7).

Thin: parse, build a command or call a selector, shape the answer. Creation validates the body
with the domain's intake contract, so the API rejects exactly what Kafka rejects, with the same
field paths and messages.
"""

from dataclasses import replace
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from pydantic import AwareDatetime, BeforeValidator, Field

from cases import selectors
from cases.api.auth import needs, principal_of
from cases.api.openapi import errors, intake_request_body
from cases.api.pagination import PageParams, paginate
from cases.api.params import (
    CaseId,
    IdempotencyKey,
    current_trace_id,
    json_body,
    request_id_for,
)
from cases.api.schemas import (
    CaseCreatedOut,
    CaseDetailOut,
    CaseNoteIn,
    CaseOut,
    CasePageOut,
    CaseStatusIn,
    CaseUpdatedOut,
    EventPageOut,
    RequirementSummaryOut,
    RiskLevelValue,
)
from cases.client_updates.services import IntakeResult, open_or_update
from cases.intake.commands import CreateCase
from cases.intake.contract import validate_payload
from cases.workflow.commands import AddCaseNote, ChangeCaseStatus
from cases.workflow.services import add_case_note, change_case_status

__all__ = ["router"]

router = Router(tags=["cases"])

#: Same bound as a Kafka record (SPEC §1), checked before the body is parsed.
MAX_BODY_BYTES = 1024 * 1024


def _not_a_number(value: object) -> object:
    """pydantic also reads a number (`0.5`) as seconds since 1970; the schema's `date-time`
    format allows only an ISO 8601 text, so a number is refused."""
    try:
        float(str(value))
    except ValueError:
        return value
    raise ValueError("an ISO 8601 date-time with offset, e.g. 2026-01-31T00:00:00Z")


IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]


class CaseFilters(PageParams):
    client_id: str | None = Field(None, max_length=200)
    traitement_type: str | None = Field(None, max_length=3, examples=["KYB"])
    case_type: str | None = Field(None, max_length=200)
    status: str | None = Field(None, max_length=32, examples=["OPEN"])
    created_from: IsoDateTime | None = Field(
        None, description="Created at or after (ISO 8601 with offset, e.g. `...Z`)."
    )
    created_to: IsoDateTime | None = Field(None, description="Created before (ISO 8601).")
    assignee: str | None = Field(
        None, max_length=150, description="Username, or `me` for the caller.", examples=["me"]
    )
    overdue: bool | None = Field(
        None, description="true: open and past its due date; false: the others."
    )
    risk_level: RiskLevelValue | None = Field(
        None, description="LOW, MEDIUM, HIGH or PROHIBITED (index `case_risk`).", examples=["HIGH"]
    )


@router.get(
    "",
    response={200: CasePageOut, **errors(400, 401, 403, 422)},
    summary="List cases",
    description="Newest first, stable. Filters include `assignee` (`me`), `overdue`, "
    "`status=PENDING_APPROVAL` and `risk_level`. Needs `cases.view_case`.",
    auth=needs("cases.view_case"),
)
def list_cases(request: HttpRequest, filters: Query[CaseFilters]):
    queryset = selectors.list_cases(
        client_id=filters.client_id,
        traitement_type=filters.traitement_type,
        case_type=filters.case_type,
        status=filters.status,
        created_from=filters.created_from,
        created_to=filters.created_to,
        assignee=_assignee(request, filters.assignee),
        overdue=filters.overdue,
        risk_level=filters.risk_level,
    )
    return paginate(queryset, filters)


def _assignee(request: HttpRequest, assignee: str | None) -> str | None:
    if assignee == "me":
        return principal_of(request).user.get_username()
    return assignee


@router.post(
    "",
    response={201: CaseCreatedOut, 200: CaseUpdatedOut, **errors(400, 401, 403, 409, 413, 422)},
    summary="Create a case, or update the client's open one",
    description=(
        "Same contract, validation, events, requirements and notification as a Kafka record "
        "(SPEC §1, §3). 201 when a case was opened; 200 when the client already had an open "
        "case and the record was applied to it (`outcome` `updated` or `no change`, SPEC §3b); "
        "409 when it contradicts that case (another traitement type). With `Idempotency-Key`, "
        "a retry answers the same and changes nothing. Needs `cases.add_case`."
    ),
    openapi_extra={"requestBody": intake_request_body()},
    auth=needs("cases.add_case"),
)
def create(request: HttpRequest, idempotency_key: str | None = IdempotencyKey):
    principal = principal_of(request)
    message = validate_payload(json_body(request, MAX_BODY_BYTES))
    source = f"api:{request_id_for(request, idempotency_key)}"
    command = CreateCase(
        source=source,
        message=message,
        occurred_at=timezone.now(),
        actor=principal.actor,
        trace_id=current_trace_id(),
    )
    outcome = open_or_update(command)
    if isinstance(outcome, IntakeResult):
        updated = outcome
        return Status(
            200,
            {
                "outcome": updated.outcome,
                "case_id": updated.case_id,
                "event_ids": updated.event_ids,
            },
        )
    created = outcome
    return Status(
        201,
        {
            "outcome": "created",
            "case_id": created.case.pk,
            "company_id": created.company_id,
            "person_ids": created.person_ids,
            "owner_ids": created.owner_ids,
            "requirement_ids": created.requirement_ids,
        },
    )


@router.get(
    "/{case_id}",
    response={200: CaseDetailOut, **errors(401, 403, 404, 422)},
    summary="One case with its parties and requirements",
    description="Persons, company, beneficial owners, requirement summary. Needs "
    "`cases.view_case`.",
    auth=needs("cases.view_case"),
)
def get_case(request: HttpRequest, case_id: CaseId):
    detail = selectors.get_case_detail(case_id)
    by_status: dict[str, int] = {}
    for requirement in detail.requirements:
        by_status[requirement.status] = by_status.get(requirement.status, 0) + 1
    out = CaseOut.from_orm(detail.case).model_dump()
    return {
        **out,
        "company": detail.company,
        "persons": detail.persons,
        "beneficial_owners": detail.owners,
        "requirements": RequirementSummaryOut(
            total=len(detail.requirements), by_status=by_status, items=detail.requirements
        ),
    }


@router.post(
    "/{case_id}/status",
    response={200: CaseOut, **errors(401, 403, 404, 409, 422)},
    summary="Change a case's status",
    description="409 on an illegal transition (the allowed ones are listed) or a stale "
    "`expected_version`. Needs `cases.change_case`.",
    auth=needs("cases.change_case"),
)
def change_status(
    request: HttpRequest,
    case_id: CaseId,
    body: CaseStatusIn,
    idempotency_key: str | None = IdempotencyKey,
):
    principal = principal_of(request)
    return change_case_status(
        ChangeCaseStatus(
            case_id=case_id,
            new_status=body.new_status,
            reason=body.reason,
            actor=principal.actor,
            expected_version=body.expected_version,
            request_id=request_id_for(request, idempotency_key),
            trace_id=current_trace_id(),
        )
    )


@router.post(
    "/{case_id}/notes",
    response={201: CaseOut, **errors(401, 403, 404, 409, 422)},
    summary="Add a note to a case",
    description="Notes are never edited or removed. Needs `cases.change_case`.",
    auth=needs("cases.change_case"),
)
def add_note(
    request: HttpRequest,
    case_id: CaseId,
    body: CaseNoteIn,
    idempotency_key: str | None = IdempotencyKey,
):
    principal = principal_of(request)
    case = add_case_note(
        AddCaseNote(
            case_id=case_id,
            text=body.text,
            actor=principal.actor,
            expected_version=body.expected_version,
            request_id=request_id_for(request, idempotency_key),
            trace_id=current_trace_id(),
        )
    )
    return Status(201, case)


@router.get(
    "/{case_id}/events",
    response={200: EventPageOut, **errors(400, 401, 403, 404, 422)},
    summary="The case's domain events (timeline)",
    description="Every aggregate of the case, in recorded order. Needs `cases.view_storedevent`.",
    auth=needs("cases.view_storedevent"),
)
def list_events(request: HttpRequest, case_id: CaseId, page: Query[PageParams]):
    result = paginate(selectors.list_case_events(case_id), page)
    # A command still being appended (or abandoned by a crash) is not shown in part.
    return replace(result, items=selectors.committed_events(result.items))
