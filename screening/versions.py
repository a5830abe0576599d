"""Writing one version of a dataset: its entity revisions, its delta, and the commit.

Each batch is compared with the current revisions by content hash: a new entity is added, a
different hash closes the old revision and adds a new one, the same hash writes nothing.
The ids seen go to a temporary SQLite file, not a Python set, so a 500k-entity list costs no
more memory than a small one; after the file, the current entities not seen are removed.
Nothing is visible until `commit` moves the dataset's current version in one
compare-and-set (screening.models explains the revisions' validity ranges).
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from followthemoney import EntityProxy
from pymongo import UpdateOne
from pymongo.errors import PyMongoError

from screening.blocking import ID_INDEX
from screening.entities import content_hash, is_screened
from screening.keys import entity_keys, scoped_keys
from screening.leases import Lease, LeaseLost
from screening.models import (
    ListEntity,
    WatchlistDataset,
    WatchlistDelta,
    WatchlistVersion,
    delta_key,
    revision_key,
    version_key,
)
from screening.reading import InvalidListFile
from screening.sources import LocalFile

logger = logging.getLogger(__name__)

PAGE = 500  # current revisions per page of the removal walk
UNTIL_INDEX = "watchlist_entity_until"


@dataclass
class DeltaCounts:
    """What a version changed, how many screenable entities it holds, and how many of the
    file's entities were of other schemata (sanctions, addresses, ...) and skipped."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    entities: int = 0
    skipped: int = 0

    def as_delta(self) -> dict[str, int]:
        return {"added": self.added, "changed": self.changed, "removed": self.removed}


def _collection(model: type) -> Any:
    return connections[DEFAULT_DB_ALIAS].get_collection(model._meta.db_table)


def _now_to_the_millisecond() -> datetime:
    """BSON dates keep milliseconds: the version returned equals the version stored."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def version_label(sequence: int, sha256: str) -> str:
    """A label an analyst can read and quote: the dataset's version number and file checksum."""
    return f"v{sequence}-{sha256[:8]}"


def discard_uncommitted(dataset: str, current: int) -> None:
    """Remove what an interrupted load of a version after `current` left behind."""
    entities = _collection(ListEntity)
    entities.delete_many({"dataset": dataset, "since_sequence": {"$gt": current}})
    entities.update_many(
        {"dataset": dataset, "until_sequence": {"$gt": current}},
        {"$set": {"until_sequence": None, "removed": False}},
    )
    _collection(WatchlistDelta).delete_many({"dataset": dataset, "sequence": {"$gt": current}})
    _collection(WatchlistVersion).delete_many({"dataset": dataset, "sequence": {"$gt": current}})


@contextmanager
def seen_ids() -> Iterator[sqlite3.Connection]:
    """A throwaway on-disk set of entity ids (constant memory whatever the list size)."""
    with tempfile.TemporaryDirectory(prefix="watchlist-seen-") as folder:
        connection = sqlite3.connect(Path(folder) / "seen.db")
        try:
            connection.execute("CREATE TABLE seen (id TEXT PRIMARY KEY)")
            yield connection
        finally:
            connection.close()


class VersionWriter:
    """Writes one version's revisions and delta rows, then makes it current."""

    def __init__(self, held: Lease, current: int, sha256: str) -> None:
        self.held = held
        self.dataset = held.dataset
        self.current = current
        self.sequence = current + 1
        self.sha256 = sha256
        self.label = version_label(self.sequence, sha256)
        self.counts = DeltaCounts()
        self.entities = _collection(ListEntity)
        self.deltas = _collection(WatchlistDelta)

    def _current_revisions(self, entity_ids: list[str]) -> dict[str, dict[str, Any]]:
        query = {
            "dataset": self.dataset,
            "entity_id": {"$in": entity_ids},
            "until_sequence": None,
            "since_sequence": {"$lte": self.current},
        }
        projection = {"entity_id": 1, "content_hash": 1, "added_version": 1}
        rows = self.entities.find(query, projection).hint(ID_INDEX)  # why: screening.blocking
        return {row["entity_id"]: row for row in rows}

    def _mark_seen(
        self, entities: list[EntityProxy], seen: sqlite3.Connection
    ) -> list[EntityProxy]:
        screened = []
        for entity in entities:
            try:
                seen.execute("INSERT INTO seen (id) VALUES (?)", (entity.id,))
            except sqlite3.IntegrityError as exc:
                raise InvalidListFile(f"entity {entity.id} appears twice in the file") from exc
            if is_screened(entity):
                screened.append(entity)
            else:
                self.counts.skipped += 1
        return screened

    def write_batch(self, entities: list[EntityProxy], seen: sqlite3.Connection) -> None:
        screened = self._mark_seen(entities, seen)
        self.counts.entities += len(screened)
        previous = self._current_revisions([entity.id for entity in screened])
        revisions, closes, deltas = [], [], []
        for entity in screened:
            digest = content_hash(entity)
            old = previous.get(entity.id)
            if old is not None and old["content_hash"] == digest:
                continue
            if old is None:
                change, added_version = WatchlistDelta.ADDED, self.label
                self.counts.added += 1
            else:
                change, added_version = WatchlistDelta.CHANGED, old["added_version"]
                closes.append(
                    UpdateOne({"_id": old["_id"]}, {"$set": {"until_sequence": self.sequence}})
                )
                self.counts.changed += 1
            revisions.append(self._revision(entity, digest, added_version))
            deltas.append(self._delta(entity.id, change))
        self._write(revisions, closes, deltas)

    def close_removed(self, seen: sqlite3.Connection) -> None:
        """Close the current revisions of entities the file no longer lists."""
        query = {
            "dataset": self.dataset,
            "until_sequence": None,
            "since_sequence": {"$lte": self.current},
        }
        last = ""
        while True:
            page = list(
                self.entities.find({**query, "_id": {"$gt": last}}, {"entity_id": 1})
                .sort("_id", 1)
                .limit(PAGE)
                .hint(UNTIL_INDEX)
            )
            if not page:
                return
            last = page[-1]["_id"]
            closes, deltas = [], []
            for row in page:
                if seen.execute("SELECT 1 FROM seen WHERE id = ?", (row["entity_id"],)).fetchone():
                    continue
                change = {"$set": {"until_sequence": self.sequence, "removed": True}}
                closes.append(UpdateOne({"_id": row["_id"]}, change))
                deltas.append(self._delta(row["entity_id"], WatchlistDelta.REMOVED))
                self.counts.removed += 1
            self._write([], closes, deltas)
            self.held.renew()

    def _revision(self, entity: EntityProxy, digest: str, added_version: str) -> dict[str, Any]:
        return {
            "_id": revision_key(self.dataset, entity.id, self.sequence),
            "dataset": self.dataset,
            "entity_id": entity.id,
            "schema": entity.schema.name,
            "caption": entity.caption[:500],
            "properties": entity.to_dict()["properties"],
            "topics": entity.get("topics", quiet=True),
            "content_hash": digest,
            "keys": scoped_keys(self.dataset, entity_keys(entity)),
            "added_version": added_version,
            "changed_version": self.label,
            "since_sequence": self.sequence,
            "until_sequence": None,
            "removed": False,
        }

    def _delta(self, entity_id: str, change: str) -> dict[str, Any]:
        return {
            "_id": delta_key(self.dataset, self.sequence, entity_id),
            "dataset": self.dataset,
            "version": self.label,
            "sequence": self.sequence,
            "entity_id": entity_id,
            "change": change,
        }

    def _write(self, revisions: list[dict], closes: list[UpdateOne], deltas: list[dict]) -> None:
        # New revisions first: a crash in between leaves only rows of an uncommitted version.
        if revisions:
            self.entities.insert_many(revisions, ordered=False)
        if closes:
            self.entities.bulk_write(closes, ordered=False)
        if deltas:
            self.deltas.insert_many(deltas, ordered=False)

    def commit(self, file: LocalFile) -> WatchlistVersion:
        """Record the version, then make it current in one compare-and-set."""
        version = WatchlistVersion.objects.create(
            key=version_key(self.dataset, self.sha256),
            dataset=self.dataset,
            version=self.label,
            sequence=self.sequence,
            source=file.source,
            sha256=self.sha256,
            loaded_at=_now_to_the_millisecond(),
            entity_count=self.counts.entities,
            delta=self.counts.as_delta(),
        )
        moved = WatchlistDataset.objects.filter(
            name=self.dataset, current_sequence=self.current, lock_owner=self.held.owner
        ).update(current_sequence=self.sequence, current_version=self.label)
        if moved != 1:
            raise LeaseLost(
                f"dataset {self.dataset} changed while loading; version not made current"
            )
        if self.counts.skipped:
            logger.info(
                "watchlist entities of other schemata skipped",
                extra={"dataset": self.dataset, "skipped": self.counts.skipped},
            )
        return version

    def unkey_closed(self) -> None:
        """Drop the keys of revisions no reader can see any more, so the key index holds only
        what blocking may return (the revisions themselves stay, as history).

        Housekeeping after the commit: if it fails, the version is current all the same and
        the next load drops these keys too (it takes every closed revision up to its own).
        """
        try:
            self._unkey_closed()
        except PyMongoError as exc:
            logger.warning(
                "keys of closed revisions not dropped",
                extra={"dataset": self.dataset, "error": type(exc).__name__},
            )

    def _unkey_closed(self) -> None:
        self.entities.update_many(
            {
                "dataset": self.dataset,
                "until_sequence": {"$lte": self.current},
                "keys.0": {"$exists": True},
            },
            {"$set": {"keys": []}},
        )
