"""Loading an FtM entity file as a new version of a dataset, with its delta.

The orchestration: fetch and hash the file (screening.sources), stop if this file is already
a version, hold the dataset's lease (screening.leases), stream the entities
(screening.reading) into a new version (screening.versions), commit, announce. A load that
fails or dies leaves rows of an uncommitted version that screening never sees; the load
removes them on failure, and the next load of the dataset first of all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from screening.leases import Lease, lease
from screening.models import WatchlistDataset, WatchlistVersion, version_key
from screening.reading import InvalidListFile, Progress, batches, read_entities
from screening.signals import watchlist_version_loaded
from screening.sources import LocalFile, local_copy
from screening.versions import VersionWriter, discard_uncommitted, seen_ids

__all__ = ["InvalidListFile", "LoadResult", "load_watchlist"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadResult:
    version: WatchlistVersion
    created: bool  # False: this file was already loaded as `version`, nothing was written


def load_watchlist(
    dataset: str, location: str, *, title: str = "", on_progress: Progress | None = None
) -> LoadResult:
    """Load the FtM file at `location` (path or http(s) URL) as the next version of `dataset`.

    Sends `watchlist_version_loaded` once a new version is current; a file already loaded
    (same sha256) returns its version with `created=False` and writes nothing.
    """
    with local_copy(location) as file:
        WatchlistDataset.objects.get_or_create(name=dataset, defaults={"title": title})
        result = _already_loaded(dataset, file.sha256)
        if result is None:
            with lease(dataset) as held:
                # Checked again under the lease: another loader may have just committed it.
                result = _already_loaded(dataset, file.sha256) or LoadResult(
                    _load_new_version(held, file, on_progress), created=True
                )
    version = result.version
    if not result.created:
        logger.info("watchlist file already loaded", extra={"dataset": dataset})
        return result
    logger.info(
        "watchlist version loaded",
        extra={"dataset": dataset, "version": version.version, **version.delta},
    )
    watchlist_version_loaded.send(sender=WatchlistVersion, dataset=dataset, version=version.version)
    return result


def _already_loaded(dataset: str, sha256: str) -> LoadResult | None:
    """This file's version if it was made current at some point (a leftover of an
    interrupted load does not count)."""
    current = WatchlistDataset.objects.get(name=dataset).current_sequence
    found = WatchlistVersion.objects.filter(key=version_key(dataset, sha256)).first()
    if found is None or found.sequence > current:
        return None
    return LoadResult(found, created=False)


def _load_new_version(
    held: Lease, file: LocalFile, on_progress: Progress | None
) -> WatchlistVersion:
    dataset = held.dataset
    current = WatchlistDataset.objects.get(name=dataset).current_sequence
    discard_uncommitted(dataset, current)
    try:
        writer = VersionWriter(held, current, file.sha256)
        with seen_ids() as seen:
            for batch in batches(read_entities(file, on_progress)):
                writer.write_batch(batch, seen)
                held.renew()
            if writer.counts.entities == 0:
                # An empty or truncated download must not clear a sanctions list.
                raise InvalidListFile("no person or legal entity in the file; nothing loaded")
            writer.close_removed(seen)
        version = writer.commit(file)
    except BaseException:
        # Read again: if the commit reached the server before the error, that version is
        # current and its rows stay.
        discard_uncommitted(dataset, WatchlistDataset.objects.get(name=dataset).current_sequence)
        raise
    writer.unkey_closed()
    return version
