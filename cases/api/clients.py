"""Clients (SPEC §3b): who upstream sends us, and all their cases."""

from typing import Literal

from django.http import HttpRequest
from ninja import Path, Query, Router
from pydantic import Field

from cases import selectors
from cases.api.auth import needs
from cases.api.cases import IsoDateTime
from cases.api.openapi import errors
from cases.api.pagination import PageParams, paginate
from cases.api.schemas import ClientDetailOut, ClientPageOut

__all__ = ["router"]

router = Router(tags=["clients"])


class ClientFilters(PageParams):
    traitement_type: str | None = Field(None, max_length=3, description="KYC or KYB.")
    has_open_case: bool | None = Field(None, description="Only clients with (or without) one.")
    risk_level: Literal["LOW", "MEDIUM", "HIGH", "PROHIBITED"] | None = Field(
        None, description="Only clients at this risk level."
    )
    review_due_before: IsoDateTime | None = Field(
        None,
        description="Only clients whose next periodic review falls due before this moment "
        "(ISO 8601 with offset, e.g. `...Z`), soonest first.",
    )


@router.get(
    "",
    response={200: ClientPageOut, **errors(400, 401, 403, 422)},
    summary="List clients",
    description="By client id, stable; with `review_due_before`, by next review date. "
    "Needs `cases.view_client`.",
    auth=needs("cases.view_client"),
)
def list_clients(request: HttpRequest, filters: Query[ClientFilters]):
    queryset = selectors.list_clients(
        traitement_type=filters.traitement_type,
        has_open_case=filters.has_open_case,
        risk_level=filters.risk_level,
        review_due_before=filters.review_due_before,
    )
    return paginate(queryset, filters)


@router.get(
    "/{client_id}",
    response={200: ClientDetailOut, **errors(401, 403, 404, 422)},
    summary="One client with all its cases",
    description="Needs `cases.view_client`.",
    auth=needs("cases.view_client"),
)
def get_client(
    request: HttpRequest,
    client_id: str = Path(..., max_length=200, description="The upstream client id."),
):
    detail = selectors.get_client_detail(client_id)
    return {**_fields(detail.client), "cases": detail.cases}


def _fields(client) -> dict:
    return {
        name: getattr(client, name)
        for name in (
            "client_id",
            "display_name",
            "traitement_type",
            "open_case_id",
            "case_ids",
            "first_seen",
            "last_event_at",
            "next_review_at",
            "last_review_case_id",
        )
    } | {"risk_level": getattr(client, "risk_level", None)}
