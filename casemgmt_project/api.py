"""The REST API's composition root: one NinjaAPI, routers from the domain and the Kafka edge.

Assembled here, not in `cases.api`, because the raw-events router needs the Kafka replay and the
domain must never import `kafka_integration` (ARCHITECTURE.md). Mounted at `/api/v1/`.
"""

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI, Swagger

from cases.api import cases as cases_router
from cases.api import (
    clients,
    companies,
    documents,
    evidence,
    persons,
    risk,
    screening,
    watchlists,
    workflow,
)
from cases.api.auth import SessionAuth, TokenAuth
from cases.api.errors import error_body, install_error_handlers
from cases.api.openapi import describe_errors
from kafka_integration import api as raw_events


class CaseManagementAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return describe_errors(super().get_openapi_schema(**kwargs))


api = CaseManagementAPI(
    title="casemgmt API",
    version="1.0",
    description=(
        "KYC/KYB case management (SPEC §7). Authenticate with `Authorization: Bearer <token>` "
        "(`manage.py create_api_token`) or a logged-in admin session (writes then need the "
        "CSRF token). Errors are `{detail, errors: [{loc, msg}]}`; lists are cursor-paginated "
        "(`limit` ≤ 100, `next_cursor`), newest or natural order, never counted."
    ),
    auth=[TokenAuth(), SessionAuth()],
    docs=Swagger(settings={"persistAuthorization": False}),
    urls_namespace="api-v1",
)
install_error_handlers(api)

# Workflow first: its `/cases/claim-next` must be matched before the cases router's `/{case_id}`.
api.add_router("/cases", workflow.router)
api.add_router("/cases", cases_router.router)
api.add_router("/cases", screening.case_router)
api.add_router("/cases", risk.router)
api.add_router("/screening", screening.hit_router)
api.add_router("/watchlists", watchlists.router)
api.add_router("/clients", clients.router)
api.add_router("/persons", persons.router)
api.add_router("/companies", companies.router)
api.add_router("/documents", documents.router)
api.add_router("/documents", evidence.router)
api.add_router("/events", raw_events.router)


def unknown_endpoint(request: HttpRequest, rest: str) -> JsonResponse:
    """JSON 404 for any other path under /api/v1/, instead of Django's HTML page."""
    return JsonResponse(error_body(f"no API endpoint at /api/v1/{rest}"), status=404)
