"""The watchlists screening reads (SPEC §3c): each dataset, its versions and their deltas.

Read from the screening app's public interface (`screening.services.list_watchlists`); the
lists themselves are loaded with `manage.py load_watchlist`, not over the API.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from cases.api.auth import needs
from cases.api.openapi import errors
from cases.api.schemas import WatchlistListOut
from screening.services import list_watchlists

__all__ = ["router"]

router = Router(tags=["screening"])


@router.get(
    "",
    response={200: WatchlistListOut, **errors(401, 403, 422)},
    summary="Watchlists and their versions",
    description="Every dataset by name with its matching settings, its current version and its "
    "newest versions (source, sha256, when loaded, entity count, and the delta against the "
    "version before: added, changed, removed). Datasets are few: one page. Needs "
    "`screening.view_watchlistversion`.",
    auth=needs("screening.view_watchlistversion"),
)
def list_lists(
    request: HttpRequest,
    versions: int = Query(10, ge=1, le=100, description="Versions per dataset, newest first."),
):
    return {"items": list_watchlists(versions)}
