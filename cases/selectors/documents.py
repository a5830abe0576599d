"""Document requirements: what each party of a case still owes."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from cases.models import DocumentRequirement
from cases.selectors.base import get_by_pk


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
    return get_by_pk(DocumentRequirement, requirement_id, "document requirement")
