"""Stand-ins for pymongo's cursor and result objects, for work the adapter did itself."""

from __future__ import annotations

from typing import Any


class ListCursor:
    """Just enough of pymongo's CommandCursor for the backend's compiler."""

    def __init__(self, rows: list[dict]):
        self._rows = iter(rows)

    def __iter__(self):
        return self._rows

    def next(self) -> dict:
        return next(self._rows)

    __next__ = next

    def close(self) -> None:
        pass


class BulkOutcome:
    """The counts of a pymongo BulkWriteResult, summed over the chunks sent."""

    def __init__(self) -> None:
        self.acknowledged = True
        self.inserted_count = self.matched_count = self.modified_count = 0
        self.deleted_count = self.upserted_count = 0

    def add(self, result: Any) -> None:
        self.inserted_count += result.inserted_count
        self.matched_count += result.matched_count
        self.modified_count += result.modified_count
        self.deleted_count += result.deleted_count
        self.upserted_count += result.upserted_count


class DeleteOutcome:
    def __init__(self) -> None:
        self.deleted_count = 0
        self.acknowledged = True


class UpdateOutcome:
    def __init__(self, matched: int, modified: int):
        self.matched_count = matched
        self.modified_count = modified
        self.acknowledged = True
        self.upserted_id = None
