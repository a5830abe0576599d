"""OpenTelemetry's Django middleware, placed after the API's error guard and fed the path the
way WSGI defines it.

Django replaces `PATH_INFO` in `request.META` by the decoded path (any Unicode character),
while WSGI (PEP 3333) carries the raw bytes as Latin-1 text. Under runserver, which sets no
`RAW_URI`, the instrumentation rebuilds the URL with `wsgiref.util.request_uri`, which encodes
`PATH_INFO` as Latin-1, so a path such as `/api/v1/companies/%F4%8F%99%90` raised
UnicodeEncodeError before any view ran. `TracingMiddleware` hands the instrumentation the
WSGI form while it reads the request (the span's `http.url` is then the percent-encoded URL
the client sent) and restores Django's value before anything else runs.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.instrumentation.django.middleware.otel_middleware import _DjangoMiddleware

__all__ = ["TracingMiddleware", "instrument_django"]

GUARD = "casemgmt_project.api_guard.ApiErrorMiddleware"
TRACING = f"{__name__}.TracingMiddleware"


def wsgi_path_info(path_info: str) -> str:
    """The PEP 3333 form of a decoded path: its UTF-8 bytes as Latin-1 text."""
    return path_info.encode("utf-8", "surrogateescape").decode("latin-1")


class TracingMiddleware(_DjangoMiddleware):
    """The instrumentation's middleware, reading the request through the WSGI path form."""

    def process_request(self, request: HttpRequest) -> None:
        meta = request.META
        decoded = meta.get("PATH_INFO", "")
        meta["PATH_INFO"] = wsgi_path_info(decoded)
        try:
            super().process_request(request)
        finally:
            meta["PATH_INFO"] = decoded


def instrument_django(excluded_urls: str) -> None:
    """Instrument Django with `TracingMiddleware`, right after the API's error guard (or
    first when there is none), so an exception in it still becomes the JSON 500.
    OTEL_PYTHON_DJANGO_MIDDLEWARE_POSITION, when set, still decides the position."""
    middleware = list(settings.MIDDLEWARE)
    position = middleware.index(GUARD) + 1 if GUARD in middleware else 0
    DjangoInstrumentor().instrument(excluded_urls=excluded_urls, middleware_position=position)
    library = DjangoInstrumentor._opentelemetry_middleware
    settings.MIDDLEWARE = [TRACING if entry == library else entry for entry in settings.MIDDLEWARE]
