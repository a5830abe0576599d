"""Persons of a case (SPEC §7), in message order."""

from django.http import HttpRequest
from ninja import Query, Router

from cases import selectors
from cases.api.auth import needs
from cases.api.openapi import errors
from cases.api.pagination import PageParams, paginate
from cases.api.params import CaseId
from cases.api.schemas import PersonPageOut

__all__ = ["router"]

router = Router(tags=["persons"])


@router.get(
    "/case/{case_id}",
    response={200: PersonPageOut, **errors(400, 401, 403, 404, 422)},
    summary="Persons of a case",
    description="Needs `cases.view_person`.",
    auth=needs("cases.view_person"),
)
def list_case_persons(request: HttpRequest, case_id: CaseId, page: Query[PageParams]):
    case = selectors.get_case(case_id)
    return paginate(selectors.list_case_persons(case.pk), page)
