"""Raw events over the REST API (SPEC §7): the audit store, and replay of one record.

Lives at the Kafka edge because replay re-runs a record through the Kafka ingest pipeline;
`cases` never imports this package, and the composition root (casemgmt_project.api) mounts it.
"""

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from pydantic import Field

from cases import selectors
from cases.api.auth import needs
from cases.api.openapi import errors
from cases.api.pagination import PageParams, paginate
from cases.api.params import RawEventId
from cases.api.schemas import RawEventOut, RawEventPageOut
from cases.core.errors import NotFound
from kafka_integration.ingest import payload_bytes
from kafka_integration.replay import replay, select_raw_events

__all__ = ["router"]

router = Router(tags=["raw events"])


class RawEventFilters(PageParams):
    status: str | None = Field(None, max_length=16, examples=["REJECTED"])
    topic: str | None = Field(None, max_length=249)
    client_id: str | None = Field(None, max_length=200)


@router.get(
    "/raw",
    response={200: RawEventPageOut, **errors(400, 401, 403, 422)},
    summary="Raw Kafka records (audit store)",
    description="Newest first. Needs `cases.view_rawevent`.",
    auth=needs("cases.view_rawevent"),
)
def list_raw_events(request: HttpRequest, filters: Query[RawEventFilters]):
    queryset = selectors.list_raw_events(
        status=filters.status, topic=filters.topic, client_id=filters.client_id
    )
    return paginate(queryset, filters)


@router.get(
    "/raw/{raw_event_id}",
    response={200: RawEventOut, **errors(401, 403, 404, 422)},
    summary="One raw record",
    description="Needs `cases.view_rawevent`.",
    auth=needs("cases.view_rawevent"),
)
def get_raw_event(request: HttpRequest, raw_event_id: RawEventId):
    return selectors.get_raw_event(raw_event_id)


VALUE_DOC = {
    "description": "The record's value. `X-Casemgmt-Value-Exact: true`: the bytes as received "
    "(values kept as base64 or, over 64 KiB, beside the row), always `application/octet-stream`. "
    "`false`: a value kept as parsed JSON, re-serialized (`application/json`).",
    "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "application/json": {"schema": {}},
    },
}


@router.get(
    "/raw/{raw_event_id}/value",
    response={**errors(401, 403, 404, 422)},
    summary="One raw record's value, as received",
    description="For values the JSON view cannot carry: binary, not UTF-8, or too large to "
    "keep inline (`payload: null`, `payload_encoding: external`). 404 for a tombstone. Needs "
    "`cases.view_rawevent`.",
    auth=needs("cases.view_rawevent"),
    openapi_extra={"responses": {200: VALUE_DOC}},
)
def get_raw_event_value(request: HttpRequest, raw_event_id: RawEventId):
    raw = selectors.get_raw_event(raw_event_id)
    value = payload_bytes(raw)
    if value is None:
        raise NotFound(f"raw record {raw.pk} has no value (a tombstone)")
    exact = raw.payload_encoding != "json"  # parsed JSON comes back re-serialized
    kind, suffix = ("application/octet-stream", "bin") if exact else ("application/json", "json")
    response = HttpResponse(value, content_type=kind)
    response["X-Casemgmt-Value-Exact"] = "true" if exact else "false"
    response["Content-Disposition"] = f'attachment; filename="{raw.pk}.{suffix}"'
    return response


@router.post(
    "/raw/{raw_event_id}/replay",
    response={200: RawEventOut, **errors(401, 403, 404, 422)},
    summary="Re-run one raw record through the ingest pipeline",
    description="Idempotent: a record that already produced its case changes nothing. Needs "
    "`cases.view_rawevent` and `cases.change_rawevent`.",
    auth=needs("cases.view_rawevent", "cases.change_rawevent"),
)
def replay_raw_event(request: HttpRequest, raw_event_id: RawEventId):
    raw = selectors.get_raw_event(raw_event_id)
    replay(select_raw_events(ids=[raw.pk]))
    return selectors.get_raw_event(raw.pk)
