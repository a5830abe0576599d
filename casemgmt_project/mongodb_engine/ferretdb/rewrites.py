"""Journalled delete-and-insert rewrites by id, and their recovery after a crash."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError

logger = logging.getLogger(__name__)

# Documents of a delete+insert rewrite in flight, so a crash between the two loses nothing.
REWRITE_JOURNAL = "ferretdb_rewrite_journal"


def rewrite(collection: Collection, documents: list[dict], session: Any = None) -> None:
    """Replace stored documents by delete and insert: journal, delete by id, insert, clear.

    The journal holds the new documents until their insert is done, so a crash in between
    leaves them for `recover_rewrites`, not lost.
    """
    journal = collection.database[REWRITE_JOURNAL]
    rewrite_id = uuid.uuid4().hex
    journal.insert_many(
        [
            {
                "_id": f"{rewrite_id}:{n}",
                "rewrite": rewrite_id,
                "collection": collection.name,
                "document": document,
                "at": datetime.now(UTC),
            }
            for n, document in enumerate(documents)
        ],
        session=session,
    )
    collection.delete_many(
        {"_id": {"$in": [document["_id"] for document in documents]}}, session=session
    )
    insert_missing(collection, documents, session)
    journal.delete_many({"rewrite": rewrite_id}, session=session)


def insert_missing(collection: Collection, documents: list[dict], session: Any = None) -> None:
    """Insert; an id already stored was written by a concurrent writer or a recovery."""
    try:
        collection.insert_many(documents, ordered=False, session=session)
    except BulkWriteError as exc:
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
            raise


def recover_rewrites(database: Database) -> int:
    """Finish the rewrites a crashed process left half done; returns the documents restored.

    Run when a process first connects. A journalled document is inserted only where its id is
    missing (the rewrite's delete ran, its insert did not); where the id is present the
    rewrite finished, or a later write replaced it, and that version stays.
    """
    journal = database[REWRITE_JOURNAL]
    entries = list(journal.find())
    restored = 0
    by_collection: dict[str, list[dict]] = {}
    for entry in entries:
        by_collection.setdefault(entry["collection"], []).append(entry["document"])
    for name, documents in by_collection.items():
        collection = database[name]
        present = {
            doc["_id"]
            for doc in collection.find(
                {"_id": {"$in": [d["_id"] for d in documents]}}, projection={"_id": 1}
            )
        }
        missing = [d for d in documents if d["_id"] not in present]
        if missing:
            insert_missing(collection, missing)
            restored += len(missing)
            logger.warning(
                "restored documents of an interrupted rewrite",
                extra={"collection": name, "count": len(missing)},
            )
    if entries:
        journal.delete_many({"_id": {"$in": [entry["_id"] for entry in entries]}})
    return restored
