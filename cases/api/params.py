"""Request plumbing shared by the write operations: idempotency keys and the trace id."""

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Header, Path
from ninja.errors import HttpError
from opentelemetry import trace

from cases.api.auth import principal_of
from cases.api.idempotency import claim_key

__all__ = [
    "CaseId",
    "CompanyId",
    "EvidenceVersion",
    "IdempotencyKey",
    "RawEventId",
    "RequirementId",
    "current_trace_id",
    "json_body",
    "multipart_digest",
    "request_id_for",
]

IdempotencyKey = Header(
    None,
    alias="Idempotency-Key",
    max_length=200,
    description="Retrying the same request with the same key returns the first answer and "
    "changes nothing. A key is scoped to the caller and the operation; the same key with a "
    "different request (target or body) to the same operation is a 422.",
)


def _path_id(what: str) -> Path:
    return Path(description=f"Id of the {what} (UUID); an unknown id answers 404.")


CaseId = Annotated[uuid.UUID, _path_id("case")]
CompanyId = Annotated[uuid.UUID, _path_id("company")]
RequirementId = Annotated[uuid.UUID, _path_id("document requirement")]
RawEventId = Annotated[uuid.UUID, _path_id("raw record")]
EvidenceVersion = Annotated[
    int, Path(ge=1, le=2**31 - 1, description="Version of the evidence: 1, 2, 3, ...")
]


def current_trace_id() -> str:
    """The request span's trace id (hex), so the events link to the request's trace."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""


def _operation(request: HttpRequest) -> str:
    """The operation, not the concrete URL: `POST api/v1/cases/<case_id>/assign`."""
    match = request.resolver_match
    return f"{request.method} {match.route if match else request.path}"


def _canonical_body(raw: bytes) -> bytes:
    """A JSON body in one spelling (key order, spaces), so a retry need not be byte-equal."""
    try:
        parsed = json.loads(raw or b"null")
    except (ValueError, RecursionError):
        return raw
    return json.dumps(parsed, sort_keys=True, separators=(",", ":")).encode()


def multipart_digest(request: HttpRequest) -> str:
    """What a multipart request asks for: its target, its fields in name order, then each
    file's name and SHA-256, read in chunks from where Django spooled it (the raw body is not
    kept, and a file is never read whole). For the upload operation only: parsing a body as
    multipart is the operation's choice, never the client's Content-Type's."""
    digest = _target_digest(request)
    for name in sorted(request.POST):
        for value in request.POST.getlist(name):
            digest.update(f"{name}={value}".encode() + b"\x1f")
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            content = hashlib.sha256()
            for chunk in upload.chunks():
                content.update(chunk)
            upload.seek(0)
            digest.update(f"{name}:{upload.name}:{content.hexdigest()}".encode() + b"\x1f")
    return digest.hexdigest()


def _target_digest(request: HttpRequest) -> Any:
    digest = hashlib.sha256()
    for part in (request.path.encode(), request.META.get("QUERY_STRING", "").encode()):
        digest.update(part + b"\x1f")
    return digest


def request_digest(request: HttpRequest) -> str:
    """What a request asks for: its target (path and query) and its body."""
    digest = _target_digest(request)
    digest.update(_canonical_body(request.body))
    return digest.hexdigest()


def request_id_for(
    request: HttpRequest, key: str | None, digest: Callable[[HttpRequest], str] = request_digest
) -> str:
    """A command's request_id: the caller's Idempotency-Key scoped to them and the operation
    (the same key with a different request is a 422), or a fresh id without a key. `digest`
    says what the request asks for (`multipart_digest` for an upload)."""
    if not key:
        return str(uuid.uuid4())
    caller = principal_of(request).actor
    return str(claim_key(caller, _operation(request), key, digest(request)))


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
