"""The watchlists screening reads (SPEC §3c): each dataset, its versions and their deltas.

Read from the screening app's public interface (`screening.services.watchlists`); the lists
themselves are loaded with `manage.py load_watchlist`, not over the API.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from cases.api.auth import needs
from cases.api.openapi import errors
from cases.api.schemas import WatchlistListOut
from screening.parties import WatchlistInfo, WatchlistVersionInfo
from screening.services import watchlists

__all__ = ["router"]

router = Router(tags=["screening"])
VERSION_FIELDS = ("version", "sequence", "source", "sha256", "loaded_at", "entity_count")


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
    return {"items": [_watchlist(info) for info in watchlists(versions)]}


def _version(version: WatchlistVersionInfo, current: str) -> dict:
    return {
        **{field: getattr(version, field) for field in VERSION_FIELDS},
        "delta": {"added": version.added, "changed": version.changed, "removed": version.removed},
        "current": version.version == current,
    }


def _watchlist(info: WatchlistInfo) -> dict:
    """As WatchlistOut reads it: each version's delta counts grouped, the current one marked."""
    return {
        "dataset": info.dataset,
        "title": info.title,
        "algorithm": info.algorithm,
        "threshold": info.threshold,
        "current_version": info.current_version,
        "versions": [_version(version, info.current_version) for version in info.versions],
    }
