"""The public entry points of screening: screen parties, and what the lists currently are.

The case side calls these (and only these, with `screening.parties` and
`screening.signals`); everything else in the app is internal.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from screening.models import WatchlistDataset, WatchlistDelta
from screening.parties import Party, PartyScreening
from screening.providers import DatasetSnapshot, LocalMatcher, Provider


class UnknownDataset(LookupError):
    """A caller asked for a dataset that has no loaded version."""


def _snapshots(names: Sequence[str] | None) -> list[DatasetSnapshot]:
    rows = WatchlistDataset.objects.filter(current_sequence__gt=0)
    if names is not None:
        rows = rows.filter(name__in=list(names))
    snapshots = [
        DatasetSnapshot(
            row.name, row.current_version, row.current_sequence, row.algorithm, row.threshold
        )
        for row in rows.order_by("name")
    ]
    if names is not None:
        missing = set(names) - {snapshot.name for snapshot in snapshots}
        if missing:
            raise UnknownDataset(f"no loaded version of: {', '.join(sorted(missing))}")
    return snapshots


def _provider(dataset: DatasetSnapshot) -> Provider:
    """The local matcher for every dataset (a remote yente provider is not built)."""
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
    is compared whole. Results are ordered by party, then dataset.
    """
    if datasets is None and only_entities is not None:
        datasets = list(only_entities)
    by_dataset: dict[str, list[PartyScreening]] = {}
    for snapshot in _snapshots(datasets):
        restrict = None if only_entities is None else only_entities.get(snapshot.name)
        by_dataset[snapshot.name] = _provider(snapshot).screen(parties, snapshot, restrict)
    return [
        screening
        for position in range(len(parties))
        for screening in (results[position] for results in by_dataset.values())
    ]


def current_versions() -> dict[str, str]:
    """{dataset: label of its current version}, for every dataset with a loaded version."""
    return {snapshot.name: snapshot.version for snapshot in _snapshots(None)}


def delta_entity_ids(dataset: str, version: str) -> set[str]:
    """The entities that version added or changed (what a delta re-screen compares with)."""
    rows = WatchlistDelta.objects.filter(
        dataset=dataset,
        version=version,
        change__in=[WatchlistDelta.ADDED, WatchlistDelta.CHANGED],
    )
    return set(rows.values_list("entity_id", flat=True))


def list_watchlists(versions_per_dataset: int = 10) -> list:
    """Every dataset with its newest versions and their delta counts
    (`screening.catalogue.WatchlistSummary`), for the pages and the API that show the lists."""
    from screening.catalogue import list_watchlists as summaries

    return summaries(versions_per_dataset)
