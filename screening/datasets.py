"""Which version of each dataset a screening reads, with the dataset's matching settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from screening.models import WatchlistDataset


class UnknownDataset(LookupError):
    """A caller asked for a dataset that has no loaded version."""


@dataclass(frozen=True)
class DatasetSnapshot:
    """A dataset as one screening call sees it: its current version and its settings."""

    name: str
    version: str
    sequence: int
    algorithm: str
    threshold: float


def snapshots(names: Sequence[str] | None = None) -> list[DatasetSnapshot]:
    """The named datasets (all loaded ones when None), by name; UnknownDataset names any
    that has no current version."""
    rows = WatchlistDataset.objects.filter(current_sequence__gt=0)
    if names is not None:
        rows = rows.filter(name__in=list(names))
    found = [
        DatasetSnapshot(
            row.name, row.current_version, row.current_sequence, row.algorithm, row.threshold
        )
        for row in rows.order_by("name")
    ]
    if names is not None:
        missing = set(names) - {snapshot.name for snapshot in found}
        if missing:
            raise UnknownDataset(f"no loaded version of: {', '.join(sorted(missing))}")
    return found
