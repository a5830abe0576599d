"""Request plumbing shared by the write operations: idempotency keys and the trace id."""

import json
import uuid
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Header, Path
from ninja.errors import HttpError
from opentelemetry import trace

__all__ = [
    "CaseId",
    "CompanyId",
    "IdempotencyKey",
    "RawEventId",
    "RequirementId",
    "current_trace_id",
    "json_body",
    "request_id_for",
]

IdempotencyKey = Header(
    None,
    alias="Idempotency-Key",
    max_length=200,
    description="Retrying with the same key returns the first answer and changes nothing.",
)


def _path_id(what: str) -> Path:
    return Path(description=f"Id of the {what} (UUID); an unknown id answers 404.")


CaseId = Annotated[uuid.UUID, _path_id("case")]
CompanyId = Annotated[uuid.UUID, _path_id("company")]
RequirementId = Annotated[uuid.UUID, _path_id("document requirement")]
RawEventId = Annotated[uuid.UUID, _path_id("raw record")]


def current_trace_id() -> str:
    """The request span's trace id (hex), so the events link to the request's trace."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""


def request_id_for(request: HttpRequest, key: str | None) -> str:
    """A command's request_id: the caller's Idempotency-Key scoped to them, or a fresh one."""
    return request.auth.scoped_key(key) if key else str(uuid.uuid4())


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_body(request: HttpRequest, limit: int) -> Any:
    """The request's JSON body, bounded before it is read; 413 if larger, 400 if not JSON
    (strict like the Kafka decoder: no NaN or Infinity)."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if (int(declared) if declared.isdigit() else 0) > limit or len(request.body) > limit:
        raise HttpError(413, f"request body is larger than {limit} bytes")
    try:
        return json.loads(request.body or b"null", parse_constant=_not_json)
    except (ValueError, RecursionError):
        raise HttpError(400, "request body is not valid JSON") from None
