"""`GET /metrics` for the web process: the Prometheus text format, behind a bearer token.

Off (404) unless `METRICS_TOKEN` is set; gunicorn runs several workers, so a port per process
would collide, while a scrape through the web port reaches whichever worker answers.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

__all__ = ["metrics_view"]


def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        return JsonResponse({"detail": "metrics endpoint is disabled"}, status=404)
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(supplied.encode(), token.encode()):
        return JsonResponse({"detail": "a valid bearer token is required"}, status=401)
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
