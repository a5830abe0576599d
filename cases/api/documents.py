"""Document requirements: determine, list, read, history, status decisions (SPEC §5, §7)."""

import uuid

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import Field

from cases import selectors
from cases.api.auth import needs, principal_of
from cases.api.openapi import errors
from cases.api.pagination import PageParams, paginate
from cases.api.params import CaseId, IdempotencyKey, RequirementId, current_trace_id, request_id_for
from cases.api.schemas import (
    DetermineRequirementsIn,
    DocumentStatusIn,
    RequirementHistoryOut,
    RequirementOut,
    RequirementPageOut,
)
from cases.core.errors import InvalidCommand
from cases.documents.commands import DetermineDocumentRequirements, UpdateDocumentStatus
from cases.documents.services import determine_document_requirements, update_document_status

__all__ = ["router"]

router = Router(tags=["documents"])


@router.post(
    "/determine-requirements",
    response={200: list[RequirementOut], **errors(401, 403, 404, 422)},
    summary="Determine the documents a party owes",
    description="Idempotent: existing requirements are kept and returned with the new ones. "
    "Needs `cases.add_documentrequirement`.",
    auth=needs("cases.add_documentrequirement"),
)
def determine(
    request: HttpRequest,
    body: DetermineRequirementsIn,
    idempotency_key: str | None = IdempotencyKey,
):
    principal = principal_of(request)
    return determine_document_requirements(
        DetermineDocumentRequirements(
            case_id=body.case_id,
            entity_id=body.entity_id,
            entity_type=body.entity_type,
            traitement_type=body.traitement_type,
            case_type=body.case_type,
            context_data=body.context_data,
            actor=principal.actor,
            request_id=request_id_for(request, idempotency_key),
            trace_id=current_trace_id(),
        )
    )


class RequirementFilters(PageParams):
    entity_id: uuid.UUID | None = None
    entity_type: str | None = Field(None, max_length=16, examples=["PERSON"])
    status: str | None = Field(None, max_length=32, examples=["AWAITING_UPLOAD"])
    is_required: bool | None = None


@router.get(
    "/case/{case_id}",
    response={200: RequirementPageOut, **errors(400, 401, 403, 404, 422)},
    summary="Requirements of a case",
    description="Per party, then document type. Needs `cases.view_documentrequirement`.",
    auth=needs("cases.view_documentrequirement"),
)
def list_case_requirements(
    request: HttpRequest, case_id: CaseId, filters: Query[RequirementFilters]
):
    case = selectors.get_case(case_id)
    queryset = selectors.list_case_requirements(
        case.pk,
        entity_id=filters.entity_id,
        entity_type=filters.entity_type,
        status=filters.status,
        is_required=filters.is_required,
    )
    return paginate(queryset, filters)


@router.get(
    "/{requirement_id}",
    response={200: RequirementOut, **errors(401, 403, 404, 422)},
    summary="One requirement",
    description="Needs `cases.view_documentrequirement`.",
    auth=needs("cases.view_documentrequirement"),
)
def get_requirement(request: HttpRequest, requirement_id: RequirementId):
    return selectors.get_requirement(requirement_id)


@router.get(
    "/{requirement_id}/history",
    response={200: list[RequirementHistoryOut], **errors(401, 403, 404, 422)},
    summary="Status history of a requirement",
    description="Oldest first: who, when, old → new, metadata changes, notes. Needs "
    "`cases.view_documentrequirement`.",
    auth=needs("cases.view_documentrequirement"),
)
def get_history(request: HttpRequest, requirement_id: RequirementId):
    return selectors.get_requirement(requirement_id).history


@router.put(
    "/{requirement_id}/status",
    response={200: RequirementOut, **errors(401, 403, 404, 409, 422)},
    summary="Record a decision on a document",
    description="409 on an illegal move (the allowed ones are listed). The actor recorded is "
    "the caller. Needs `cases.change_documentrequirement`.",
    auth=needs("cases.change_documentrequirement"),
)
def update_status(
    request: HttpRequest,
    requirement_id: RequirementId,
    body: DocumentStatusIn,
    idempotency_key: str | None = IdempotencyKey,
):
    principal = principal_of(request)
    claimed = (body.updated_by_actor_type, body.updated_by_actor_id)
    if any(claimed) and claimed != (principal.actor_type, principal.actor_id):
        raise InvalidCommand(
            f"updated_by_actor_* must be omitted or name the caller "
            f"({principal.actor_type}, {principal.actor_id})"
        )
    return update_document_status(
        UpdateDocumentStatus(
            requirement_id=requirement_id,
            new_status=body.new_status,
            actor_type=principal.actor_type,
            actor_id=principal.actor_id,
            metadata_changes=body.metadata_changes,
            notes_to_add=body.notes_to_add,
            expected_version=body.expected_version,
            request_id=request_id_for(request, idempotency_key),
            trace_id=current_trace_id(),
        )
    )
