"""Clients (SPEC §3b): one row per client id, with its cases."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from cases.core.errors import NotFound
from cases.models import Case, Client
from cases.selectors.cases import list_cases


def list_clients(
    *, traitement_type: str | None = None, has_open_case: bool | None = None
) -> QuerySet[Client]:
    """By client id (unique; indexes `client_traitement`, `client_open` for the filters)."""
    queryset = Client.objects.order_by("client_id")
    if traitement_type:
        queryset = queryset.filter(traitement_type=traitement_type.strip().upper())
    if has_open_case is not None:
        queryset = queryset.filter(has_open_case=has_open_case)
    return queryset


@dataclass(frozen=True)
class ClientDetail:
    client: Client
    cases: list[Case]  # newest first


def get_client_detail(client_id: str) -> ClientDetail:
    """The client and all its cases (two indexed reads: `client_id` unique, `case_client`)."""
    client = Client.objects.filter(client_id=client_id).first()
    if client is None:
        raise NotFound(f"client {client_id} not found")
    return ClientDetail(client, list(list_cases(client_id=client.client_id)))
