"""Finding candidates: list entities that share blocking keys with a party, through the index.

The query runs on the single-field multikey index of the dataset-scoped keys
(screening.keys.scoped_keys) and never reads the list as a whole: it reads the entries of the
keys it sends, not the `dataset` term every entity of the list holds, so its cost follows
the entities the keys match rather than the list's size. Candidates are ranked by how many
keys they share and at most `MAX_CANDIDATES` go on to the (far costlier) scoring.

Reads name their index (`hint`): right after a bulk load the planner's statistics are stale,
and DocumentDB picked (dataset, since_sequence), which matches the whole dataset, over the
key index.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from screening import frequencies
from screening.keys import scoped_keys
from screening.models import ListEntity

MAX_CANDIDATES = 30
KEY_INDEX = frequencies.KEY_INDEX
ID_INDEX = "watchlist_entity_id"
# Entity rows are fetched by id in chunks of this many when restricting to a delta.
ID_CHUNK = 1000
# What the matcher needs of a stored revision. Keys are counted on the server and not sent
# back (a name with many symbols has dozens), except to the in-memory index of a delta.
CANDIDATE_FIELDS = {"entity_id": 1, "schema": 1, "properties": 1, "content_hash": 1}


def _collection() -> Any:
    return connections[DEFAULT_DB_ALIAS].get_collection(ListEntity._meta.db_table)


def visible_at(sequence: int) -> dict[str, Any]:
    """The revisions a reader of version `sequence` sees (screening.models explains why)."""
    return {
        "since_sequence": {"$lte": sequence},
        "$or": [{"until_sequence": None}, {"until_sequence": {"$gt": sequence}}],
    }


def candidate_pipeline(
    dataset: str, sequence: int, keys: Sequence[str], limit: int = MAX_CANDIDATES
) -> list[dict[str, Any]]:
    """The aggregation that finds and ranks candidates; exposed so tests can explain it.

    The scoped keys imply the dataset; its equality stays as a check on the rows read (a
    dataset name holding ":" could in principle scope a key like another dataset does).
    """
    scoped = scoped_keys(dataset, keys)
    return [
        {"$match": {"keys": {"$in": scoped}, "dataset": dataset, **visible_at(sequence)}},
        {
            "$project": {
                **CANDIDATE_FIELDS,
                "shared": {"$size": {"$setIntersection": ["$keys", scoped]}},
            }
        },
        {"$sort": {"shared": -1, "_id": 1}},
        {"$limit": limit},
    ]


def candidates(
    dataset: str, sequence: int, keys: Sequence[str], version: str = ""
) -> list[dict[str, Any]]:
    """Up to MAX_CANDIDATES stored revisions sharing the most keys, best first; keys most of
    the list holds are left out (screening.frequencies; `version` is the label that keys its
    counts)."""
    keys = frequencies.selective(dataset, sequence, keys, version)
    if not keys:
        return []
    pipeline = candidate_pipeline(dataset, sequence, keys)
    return list(_collection().aggregate(pipeline, hint=KEY_INDEX))


def revisions_of(dataset: str, sequence: int, entity_ids: Collection[str]) -> list[dict[str, Any]]:
    """The visible revisions of the given entities (a delta), read by the (dataset, entity_id)
    index in chunks."""
    ids = sorted(entity_ids)
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), ID_CHUNK):
        query = {"dataset": dataset, "entity_id": {"$in": ids[start : start + ID_CHUNK]}}
        rows = _collection().find(
            {**query, **visible_at(sequence)}, {**CANDIDATE_FIELDS, "keys": 1}
        )
        found.extend(rows.hint(ID_INDEX))
    return found


class KeyIndex:
    """An in-memory inverted index over a few revisions (a delta), ranked like `candidates`.

    A delta re-screen compares many parties with a small part of a list: loading that part
    once per call beats one database query per party and key.
    """

    def __init__(self, dataset: str, revisions: Iterable[dict[str, Any]]) -> None:
        self._dataset = dataset
        self._by_key: dict[str, list[dict[str, Any]]] = {}
        for revision in revisions:
            for key in revision.get("keys", ()):
                self._by_key.setdefault(key, []).append(revision)

    def candidates(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        shared: dict[str, int] = {}
        by_id: dict[str, dict[str, Any]] = {}
        for key in scoped_keys(self._dataset, keys):
            for revision in self._by_key.get(key, ()):
                shared[revision["_id"]] = shared.get(revision["_id"], 0) + 1
                by_id[revision["_id"]] = revision
        ranked = sorted(shared, key=lambda rid: (-shared[rid], rid))[:MAX_CANDIDATES]
        return [by_id[rid] for rid in ranked]
