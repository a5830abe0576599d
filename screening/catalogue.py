"""What the lists are: each dataset with its newest versions and their deltas (read only).

For the edges that show lists to people (the API's `GET /watchlists`); they reach it through
`screening.services.list_watchlists`, so the models stay the app's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from screening.models import WatchlistDataset, WatchlistVersion

__all__ = ["WatchlistSummary", "WatchlistVersionSummary", "list_watchlists"]


@dataclass(frozen=True)
class WatchlistVersionSummary:
    version: str
    sequence: int
    source: str
    sha256: str
    loaded_at: datetime
    entity_count: int
    delta: dict[str, int]  # {added, changed, removed}: entity counts against the version before
    current: bool


@dataclass(frozen=True)
class WatchlistSummary:
    dataset: str
    title: str
    algorithm: str
    threshold: float
    current_version: str  # "" until a first version is loaded
    versions: tuple[WatchlistVersionSummary, ...]  # newest first


def _delta(raw: object) -> dict[str, int]:
    counts = raw if isinstance(raw, dict) else {}
    return {key: int(counts.get(key) or 0) for key in ("added", "changed", "removed")}


def list_watchlists(versions_per_dataset: int = 10) -> list[WatchlistSummary]:
    """Every dataset by name, each with its newest `versions_per_dataset` versions (one read
    per dataset on the `watchlist_version_order` index; datasets are few)."""
    summaries = []
    for dataset in WatchlistDataset.objects.order_by("name"):
        rows = WatchlistVersion.objects.filter(dataset=dataset.name).order_by("-sequence")
        versions = tuple(
            WatchlistVersionSummary(
                version=row.version,
                sequence=row.sequence,
                source=row.source,
                sha256=row.sha256,
                loaded_at=row.loaded_at,
                entity_count=row.entity_count,
                delta=_delta(row.delta),
                current=row.sequence == dataset.current_sequence,
            )
            for row in rows[:versions_per_dataset]
        )
        summaries.append(
            WatchlistSummary(
                dataset=dataset.name,
                title=dataset.title,
                algorithm=dataset.algorithm,
                threshold=dataset.threshold,
                current_version=dataset.current_version,
                versions=versions,
            )
        )
    return summaries
