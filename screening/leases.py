"""One loader per dataset at a time: a lease on the dataset row.

Two loads of one dataset at once would both compute their delta against the same version
and interleave their writes. The lease is a compare-and-set on one document (the only
atomic write FerretDB offers without transactions), renewed while the loader works, so a
crashed loader's lease simply runs out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from screening.models import WatchlistDataset

LEASE_SECONDS = 300


class LoadInProgress(RuntimeError):
    """Another loader holds this dataset's lease; try again when it is done."""


class LeaseLost(RuntimeError):
    """The lease ran out while loading (the load paused longer than LEASE_SECONDS)."""


def _datasets() -> Any:
    return connections[DEFAULT_DB_ALIAS].get_collection(WatchlistDataset._meta.db_table)


def _expiry() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=LEASE_SECONDS)


class Lease:
    """A held lease: `renew` it at least every LEASE_SECONDS; `owner` guards the commit."""

    def __init__(self, dataset: str) -> None:
        self.dataset = dataset
        self.owner = uuid.uuid4().hex

    def acquire(self) -> None:
        free = {"$or": [{"lock_owner": ""}, {"lock_expires_at": {"$lt": datetime.now(UTC)}}]}
        change = {"$set": {"lock_owner": self.owner, "lock_expires_at": _expiry()}}
        if _datasets().update_one({"_id": self.dataset, **free}, change).matched_count != 1:
            raise LoadInProgress(f"dataset {self.dataset} is being loaded by another process")

    def renew(self) -> None:
        held = {"_id": self.dataset, "lock_owner": self.owner}
        if (
            _datasets().update_one(held, {"$set": {"lock_expires_at": _expiry()}}).matched_count
            != 1
        ):
            raise LeaseLost(f"lost the load lease of dataset {self.dataset}")

    def release(self) -> None:
        held = {"_id": self.dataset, "lock_owner": self.owner}
        _datasets().update_one(held, {"$set": {"lock_owner": "", "lock_expires_at": None}})


@contextmanager
def lease(dataset: str) -> Iterator[Lease]:
    """Hold the dataset's lease for the block (the dataset row must exist)."""
    held = Lease(dataset)
    held.acquire()
    try:
        yield held
    finally:
        held.release()
