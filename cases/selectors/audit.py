"""The audit store: raw Kafka records, newest first."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from cases.models import RawEvent
from cases.selectors.base import get_by_pk


def list_raw_events(
    *,
    status: str | None = None,
    topic: str | None = None,
    client_id: str | None = None,
    ids: list[uuid.UUID] | None = None,
) -> QuerySet[RawEvent]:
    """Newest first (indexes `raw_received_id`, `raw_status_received`, `raw_topic_received`,
    `raw_client_received`)."""
    queryset = RawEvent.objects.order_by("-received_at", "id")
    if status:
        queryset = queryset.filter(status=status.upper())
    if topic:
        queryset = queryset.filter(topic=topic)
    if client_id:
        queryset = queryset.filter(client_id=client_id)
    if ids:
        queryset = queryset.filter(pk__in=ids)
    return queryset


def get_raw_event(raw_event_id: uuid.UUID | str) -> RawEvent:
    return get_by_pk(RawEvent, raw_event_id, "raw event")
