"""The JSON 500 for failures outside the API's own handlers (SPEC §7), in DEBUG too.

django-ninja turns an exception raised by a view into the JSON 500. An exception raised by a
middleware, or by the URL resolver, never reaches ninja: Django renders it itself, as the debug
page when DEBUG is on or the HTML error page otherwise. This middleware sits first in
MIDDLEWARE, so it wraps every other one; when Django reports an uncaught exception for an
`/api/` request (the `got_request_exception` signal), the answer becomes the API's JSON 500
with a request id that is logged with the traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse

from cases.api.errors import internal_error, log_internal_error

__all__ = ["ApiErrorMiddleware"]

API_PREFIX = "/api/"
_FAILURE = "_casemgmt_unhandled_exception"


@receiver(got_request_exception, dispatch_uid="casemgmt-api-guard")
def _remember_failure(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django sends this inside its `except` block, so the exception is still at hand."""
    if request is not None and request.path.startswith(API_PREFIX):
        setattr(request, _FAILURE, sys.exc_info()[1])


class ApiErrorMiddleware:
    """Replace Django's own error page for an `/api/` request by the JSON 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        failure = getattr(request, _FAILURE, None)
        if failure is None:
            return response
        request_id = log_internal_error(request, failure)
        answer = JsonResponse(internal_error(request_id), status=500)
        answer["X-Request-ID"] = request_id
        return answer
