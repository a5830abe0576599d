"""Clients (SPEC §3b): one row per client id, with its cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from cases.core.errors import NotFound
from cases.models import Case, Client
from cases.selectors.cases import list_cases


def list_clients(
    *,
    traitement_type: str | None = None,
    has_open_case: bool | None = None,
    risk_level: str | None = None,
    review_due_before: datetime | None = None,
) -> QuerySet[Client]:
    """By client id (unique; indexes `client_traitement`, `client_open`, the risk level's for
    the filters). With `review_due_before`, by next review date instead (`client_next_review`):
    the clients whose review falls due before that moment, soonest first."""
    queryset = Client.objects.order_by("client_id")
    if traitement_type:
        queryset = queryset.filter(traitement_type=traitement_type.strip().upper())
    if has_open_case is not None:
        queryset = queryset.filter(has_open_case=has_open_case)
    if risk_level:
        queryset = queryset.filter(risk_level=risk_level.strip().upper())
    if review_due_before is not None:
        queryset = queryset.filter(next_review_at__lt=review_due_before).order_by(
            "next_review_at", "client_id"
        )
    return queryset


def list_clients_due_for_review(*, now: datetime) -> QuerySet[Client]:
    """Clients whose next review date has passed and who have no open case, earliest first
    (index `client_review_due`: only the due clients are read)."""
    return Client.objects.filter(has_open_case=False, next_review_at__lte=now).order_by(
        "next_review_at"
    )


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
