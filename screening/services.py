"""The public entry points of screening: screen parties, and what the lists currently are.

The case side calls these (and only these, with `screening.parties` and
`screening.signals`); everything else in the app is internal.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from screening.datasets import DatasetSnapshot, UnknownDataset, snapshots
from screening.models import WatchlistDataset, WatchlistDelta, WatchlistVersion
from screening.parties import (
    Party,
    PartyScreening,
    UnscreenableParty,
    WatchlistInfo,
    WatchlistVersionInfo,
)

if TYPE_CHECKING:
    from screening.providers import Provider

__all__ = [
    "UnknownDataset",
    "UnscreenableParty",
    "current_versions",
    "delta_entity_ids",
    "screen",
    "watchlists",
]

RECENT_VERSIONS = 20


def _provider(dataset: DatasetSnapshot) -> Provider:
    """The local matcher for every dataset (a remote yente provider is not built).

    Imported on first use: followthemoney, rigour and nomenklatura (with scikit-learn) take
    seconds to import, and importing this module must stay cheap for every process that
    only wires screening in (the consumer, the web server, management commands).
    """
    from screening.providers import LocalMatcher

    return LocalMatcher()


def screen(
    parties: Sequence[Party],
    *,
    datasets: Sequence[str] | None = None,
    only_entities: Mapping[str, Collection[str]] | None = None,
) -> list[PartyScreening]:
    """One PartyScreening per (party, dataset) against each dataset's current version.

    `only_entities={dataset: entity ids}` compares with those entities only (a delta
    re-screen). `datasets` defaults to the datasets of `only_entities` when it is given,
    else to every loaded dataset; a dataset named in `datasets` but not in `only_entities`
    is compared whole. Results are ordered by party, then dataset. A party without a name,
    or of a schema that is no party, raises UnscreenableParty; UnknownDataset names a dataset
    with no loaded version.
    """
    if datasets is None and only_entities is not None:
        datasets = list(only_entities)
    by_dataset: dict[str, list[PartyScreening]] = {}
    for snapshot in snapshots(datasets):
        restrict = None if only_entities is None else only_entities.get(snapshot.name)
        by_dataset[snapshot.name] = _provider(snapshot).screen(parties, snapshot, restrict)
    return [
        screening
        for position in range(len(parties))
        for screening in (results[position] for results in by_dataset.values())
    ]


def current_versions() -> dict[str, str]:
    """{dataset: label of its current version}, for every dataset with a loaded version."""
    return {snapshot.name: snapshot.version for snapshot in snapshots()}


def delta_entity_ids(dataset: str, version: str) -> set[str]:
    """The entities that version added or changed (what a delta re-screen compares with)."""
    rows = WatchlistDelta.objects.filter(
        dataset=dataset,
        version=version,
        change__in=[WatchlistDelta.ADDED, WatchlistDelta.CHANGED],
    )
    return set(rows.values_list("entity_id", flat=True))


def _version_info(row: WatchlistVersion) -> WatchlistVersionInfo:
    return WatchlistVersionInfo(
        dataset=row.dataset,
        version=row.version,
        sequence=row.sequence,
        source=row.source,
        sha256=row.sha256,
        loaded_at=row.loaded_at,
        entity_count=row.entity_count,
        added=row.delta.get("added", 0),
        changed=row.delta.get("changed", 0),
        removed=row.delta.get("removed", 0),
    )


def watchlists(recent: int = RECENT_VERSIONS) -> list[WatchlistInfo]:
    """Every dataset with its settings, current version and last `recent` versions (newest
    first), read on the (dataset, -sequence) index."""
    found = []
    for dataset in WatchlistDataset.objects.order_by("name"):
        rows = WatchlistVersion.objects.filter(
            dataset=dataset.name, sequence__lte=dataset.current_sequence
        ).order_by("-sequence")[:recent]
        found.append(
            WatchlistInfo(
                dataset=dataset.name,
                title=dataset.title,
                algorithm=dataset.algorithm,
                threshold=dataset.threshold,
                current_version=dataset.current_version,
                versions=tuple(_version_info(row) for row in rows),
            )
        )
    return found
