"""Liveness and readiness probes for orchestrators and on-call."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from casemgmt_project.readiness import check_dependencies


@require_GET
def liveness(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def readiness(request: HttpRequest) -> JsonResponse:
    """503 naming every failing dependency, so the probe output says what to fix."""
    failures = check_dependencies()
    if failures:
        return JsonResponse({"status": "unavailable", "failing": failures}, status=503)
    return JsonResponse({"status": "ready"})
