"""One error body for every failure: `{"detail": str, "errors": [{"loc": str, "msg": str}]}`.

Domain errors (cases.core.errors) map to the status their docstrings name; ninja's own 422 is
reshaped to the same body, with dotted locations like those of a rejected Kafka record
(`query.limit`, `persons.0.firstname`). Anything unexpected is logged with its traceback and
answered with a JSON 500 carrying a request id to quote, never a stack trace.
"""

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cases.core.errors import (
    CaseNotActive,
    ClientConflict,
    DecisionRefused,
    EvidenceDeleted,
    EvidenceTooLarge,
    HitStateConflict,
    IllegalTransition,
    InvalidCommand,
    MessageRejected,
    NoCaseAvailable,
    NotAllowed,
    NotFound,
    RangeNotSatisfiable,
    RiskOverrideConflict,
    UnsupportedEvidenceType,
    VersionConflict,
)

__all__ = ["error_body", "install_error_handlers", "internal_error", "log_internal_error"]

logger = logging.getLogger("cases.api")


def error_body(detail: str, errors: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    return {"detail": detail, "errors": [{"loc": loc, "msg": msg} for loc, msg in errors]}


def log_internal_error(request: HttpRequest, exc: BaseException) -> str:
    """Log an unexpected failure with its traceback; returns the request id the answer quotes."""
    request_id = str(uuid.uuid4())
    logger.error(
        "unhandled API error",
        exc_info=exc,
        extra={"request_id": request_id, "path": request.path, "method": request.method},
    )
    return request_id


def internal_error(request_id: str) -> dict[str, Any]:
    """The JSON 500 body (SPEC §7): no stack trace, a request id to quote to support."""
    return {
        **error_body("internal error; quote the request id to support"),
        "request_id": request_id,
    }


def _dotted(loc: Iterable[Any]) -> str:
    """`("body", "body", "text")` → `body.text`: ninja puts the parameter's name after the
    source, and every body parameter of this API is called `body`."""
    parts = [str(part) for part in loc]
    if parts[:2] == ["body", "body"]:
        parts = parts[1:]
    return ".".join(parts) or "$"


def install_error_handlers(api: NinjaAPI) -> None:
    """Register the handlers on `api` (most specific class wins in ninja's lookup)."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(NotFound)
    def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        return respond(request, 404, error_body(str(exc)))

    @api.exception_handler(Http404)
    def http_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not found"))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(request, 413, error_body("request body too large", [("$", str(exc))]))

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return respond(request, 400, error_body("malformed multipart body", [("body", str(exc))]))

    @api.exception_handler(EvidenceTooLarge)
    def evidence_too_large(request: HttpRequest, exc: EvidenceTooLarge) -> HttpResponse:
        return respond(request, 413, error_body(str(exc), [("body.file", str(exc))]))

    @api.exception_handler(UnsupportedEvidenceType)
    def unsupported_type(request: HttpRequest, exc: UnsupportedEvidenceType) -> HttpResponse:
        return respond(request, 415, error_body(str(exc), [("body.file", str(exc))]))

    @api.exception_handler(RangeNotSatisfiable)
    def unsatisfiable(request: HttpRequest, exc: RangeNotSatisfiable) -> HttpResponse:
        response = respond(request, 416, error_body(str(exc), [("header.Range", str(exc))]))
        response["Content-Range"] = f"bytes */{exc.size}"
        response["Cache-Control"] = "private, no-store"  # the size of an identity document
        return response

    @api.exception_handler(EvidenceDeleted)
    def deleted(request: HttpRequest, exc: EvidenceDeleted) -> HttpResponse:
        response = respond(request, 410, error_body(str(exc)))
        response["Cache-Control"] = "private, no-store"  # who deleted it, and why
        return response

    @api.exception_handler(ClientConflict)
    def client_conflict(request: HttpRequest, exc: ClientConflict) -> HttpResponse:
        issues = [(issue.loc, issue.msg) for issue in exc.issues]
        return respond(request, 409, error_body("the record conflicts with the open case", issues))

    @api.exception_handler(MessageRejected)
    def rejected(request: HttpRequest, exc: MessageRejected) -> HttpResponse:
        issues = [(issue.loc, issue.msg) for issue in exc.issues]
        return respond(request, 422, error_body("the case does not meet the contract", issues))

    @api.exception_handler(InvalidCommand)
    def invalid(request: HttpRequest, exc: InvalidCommand) -> HttpResponse:
        return respond(request, 422, error_body(str(exc)))

    @api.exception_handler(HitStateConflict)
    def hit_state(request: HttpRequest, exc: HitStateConflict) -> HttpResponse:
        return respond(request, 409, error_body(str(exc)))

    @api.exception_handler(RiskOverrideConflict)
    def risk_override_state(request: HttpRequest, exc: RiskOverrideConflict) -> HttpResponse:
        return respond(request, 409, error_body(str(exc)))

    @api.exception_handler(IllegalTransition)
    def illegal(request: HttpRequest, exc: IllegalTransition) -> HttpResponse:
        allowed = ", ".join(exc.allowed) or "none"
        return respond(
            request, 409, error_body(str(exc), [("body.new_status", f"allowed: {allowed}")])
        )

    @api.exception_handler(NotAllowed)
    def not_allowed(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
        return respond(request, 403, error_body(str(exc)))

    @api.exception_handler(NoCaseAvailable)
    def no_case(request: HttpRequest, exc: NoCaseAvailable) -> HttpResponse:
        return respond(request, 404, error_body(str(exc)))

    @api.exception_handler(CaseNotActive)
    def not_active(request: HttpRequest, exc: CaseNotActive) -> HttpResponse:
        return respond(request, 409, error_body(str(exc)))

    @api.exception_handler(DecisionRefused)
    def refused(request: HttpRequest, exc: DecisionRefused) -> HttpResponse:
        outstanding = [(exc.kind, item) for item in exc.outstanding]
        return respond(request, 409, error_body(exc.args[0], outstanding))

    @api.exception_handler(VersionConflict)
    def conflict(request: HttpRequest, exc: VersionConflict) -> HttpResponse:
        return respond(
            request,
            409,
            error_body(str(exc), [("body.expected_version", f"current version {exc.current}")]),
        )

    @api.exception_handler(ValidationError)
    def validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        issues = [
            (_dotted(error.get("loc", ())), str(error.get("msg", ""))) for error in exc.errors
        ]
        return respond(request, 422, error_body("the request is not valid", issues))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(
            request,
            401,
            error_body("authentication required: a Bearer token or a logged-in session"),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, error_body(str(exc)))

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        request_id = log_internal_error(request, exc)
        response = respond(request, 500, internal_error(request_id))
        response["X-Request-ID"] = request_id
        return response
