"""The collection proxy: FerretDB-safe reads and writes, everything else passed through."""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, OperationFailure
from pymongo.operations import IndexModel, ReplaceOne

from casemgmt_project.mongodb_engine import evaluator
from casemgmt_project.mongodb_engine.evaluator.queries import matches
from casemgmt_project.mongodb_engine.ferretdb import rewrites
from casemgmt_project.mongodb_engine.ferretdb.capabilities import (
    DELETE_IDS_PER_COMMAND,
    MAX_STATEMENTS_PER_COMMAND,
    TOO_MANY_VARIABLES,
    split_pipeline,
    without_null_tolerance,
)
from casemgmt_project.mongodb_engine.ferretdb.results import (
    BulkOutcome,
    DeleteOutcome,
    ListCursor,
    UpdateOutcome,
)
from casemgmt_project.mongodb_engine.ferretdb.updates import (
    apply_update,
    as_classic_update,
    conditions_of,
    targets_one_id,
)


class FerretDBCollection:
    """Wraps a pymongo Collection; everything not overridden passes straight through."""

    def __init__(self, collection: Collection):
        self._collection = collection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)

    # --- indexes ---
    def create_indexes(self, indexes: list[IndexModel], *args: Any, **kwargs: Any) -> list[str]:
        return self._collection.create_indexes(
            [without_null_tolerance(index) for index in indexes], *args, **kwargs
        )

    # --- reads ---
    def aggregate(self, pipeline: list[dict], *args: Any, **kwargs: Any) -> Any:
        server_part, local_part = split_pipeline(pipeline)
        documents = self._drain(self._collection.aggregate(server_part, *args, **kwargs))
        if local_part:
            documents = evaluator.run_pipeline(documents, local_part, self._load_collection)
        return ListCursor(documents)

    def find(self, *args: Any, **kwargs: Any) -> Any:
        return ListCursor(self._drain(self._collection.find(*args, **kwargs)))

    @staticmethod
    def _drain(cursor: Any) -> list[dict]:
        """Read everything and close at once: a FerretDB/SQLite cursor left open holds one of
        the server's pooled connections, and enough of them stall every other request."""
        try:
            return list(cursor)
        finally:
            cursor.close()

    def _load_collection(self, name: str) -> list[dict]:
        return self._drain(self._collection.database[name].find())

    # --- writes ---
    def bulk_write(
        self,
        requests: list[Any],
        ordered: bool = True,
        known_documents: list[dict] | None = None,
        **kwargs: Any,
    ) -> BulkOutcome:
        """`known_documents`: the targets as stored now, when the caller has them (an
        adapter-only hint; pymongo's bulk_write has no such argument)."""
        requests = list(requests)
        if requests and all(targets_one_id(request) for request in requests):
            return self._write_by_id(requests, kwargs.get("session"), known_documents or [])
        return self._write_in_chunks(requests, ordered, **kwargs)

    def _write_by_id(self, requests: list[Any], session: Any, known: list[dict]) -> BulkOutcome:
        """Updates and replacements by `_id`, done as one read, one delete and one insert. A
        request's other conditions are checked against the document as read (or as `known`):
        a compare-and-set that, unlike MongoDB's, is not atomic.

        FerretDB v1 on SQLite has no index on `_id`: each update statement scans the whole
        collection, which makes batches quadratic. The read is skipped for the targets in
        `known` (the caller vouches they are stored exactly so), leaving the delete as the one
        scan. The new documents are journalled first (`rewrites.REWRITE_JOURNAL`, inserts only: no
        scan), so a crash between the delete and the insert loses nothing: the next process
        to connect restores them (`rewrites.recover_rewrites`). The chaos suite found the hole this
        closes: a relay killed there lost outbox rows for good.
        """
        ids = list(dict.fromkeys(request._filter["_id"] for request in requests))
        wanted = set(ids)
        current = {doc["_id"]: doc for doc in known if doc["_id"] in wanted}
        unknown = [pk for pk in ids if pk not in current]
        if unknown:
            found = self._collection.find({"_id": {"$in": unknown}}, session=session)
            current.update((doc["_id"], doc) for doc in self._drain(found))
        outcome = BulkOutcome()
        existing_ids = set(current)
        touched: dict[Any, None] = {}
        for request in requests:
            pk = request._filter["_id"]
            existing = current.get(pk)
            if existing is None and not request._upsert:
                continue
            conditions = conditions_of(request)
            if conditions and not matches(existing, conditions):
                continue
            if isinstance(request, ReplaceOne):
                replacement = {**request._doc, "_id": pk}
            else:
                replacement = apply_update(existing or {"_id": pk}, request._doc, existing is None)
            if existing is None:
                outcome.upserted_count += 1
            else:
                outcome.matched_count += 1
                outcome.modified_count += replacement != existing
            current[pk] = replacement
            touched[pk] = None
        if len(touched) == 1 and next(iter(touched)) in existing_ids:
            # One document: a replacement costs the same single scan as the delete, and
            # readers never see the document missing (a racing consumer would route past it).
            pk = next(iter(touched))
            self._collection.replace_one({"_id": pk}, current[pk], session=session)
        elif touched:
            rewrites.rewrite(self._collection, [current[pk] for pk in touched], session)
        return outcome

    def _write_in_chunks(self, requests: list[Any], ordered: bool, **kwargs: Any) -> BulkOutcome:
        """Small commands: FerretDB v1 holds a pooled SQLite connection per update statement
        until the whole command ends, so a 100-statement update deadlocks it."""
        outcome = BulkOutcome()
        errors: list[dict] = []
        for start in range(0, len(requests), MAX_STATEMENTS_PER_COMMAND):
            chunk = requests[start : start + MAX_STATEMENTS_PER_COMMAND]
            try:
                outcome.add(self._collection.bulk_write(chunk, ordered=ordered, **kwargs))
            except BulkWriteError as exc:
                for error in exc.details.get("writeErrors", []):
                    errors.append({**error, "index": error["index"] + start})
                if ordered:
                    break
        if errors:
            raise BulkWriteError({"writeErrors": errors, "writeConcernErrors": []})
        return outcome

    def delete_many(self, criteria: dict, *args: Any, **kwargs: Any) -> Any:
        """As the server's, but a delete too large for one SQLite statement (found by
        `rebuild_projections` on 75,000 requirements) goes in chunks of ids; the failed attempt
        deleted nothing (one statement)."""
        try:
            return self._collection.delete_many(criteria, *args, **kwargs)
        except OperationFailure as exc:
            if TOO_MANY_VARIABLES not in str(exc):
                raise
        session = kwargs.get("session")
        found = self._collection.find(criteria, {"_id": 1}, session=session)
        ids = [doc["_id"] for doc in self._drain(found)]
        outcome = DeleteOutcome()
        for start in range(0, len(ids), DELETE_IDS_PER_COMMAND):
            chunk = ids[start : start + DELETE_IDS_PER_COMMAND]
            result = self._collection.delete_many({"_id": {"$in": chunk}}, session=session)
            outcome.deleted_count += result.deleted_count
        return outcome

    def update_many(self, criteria: dict, update: Any, *args: Any, **kwargs: Any) -> Any:
        return self._update(criteria, update, many=True, **kwargs)

    def update_one(self, criteria: dict, update: Any, *args: Any, **kwargs: Any) -> Any:
        return self._update(criteria, update, many=False, **kwargs)

    def _update(self, criteria: dict, update: Any, *, many: bool, **kwargs: Any) -> Any:
        native = self._collection.update_many if many else self._collection.update_one
        if not isinstance(update, list):
            return native(criteria, update, **kwargs)
        classic = as_classic_update(update)
        if classic is not None:
            return native(criteria, classic, **kwargs)
        return self._update_per_document(criteria, update, many=many, session=kwargs.get("session"))

    def _update_per_document(
        self, criteria: dict, pipeline: list[dict], *, many: bool, session: Any
    ) -> UpdateOutcome:
        matched = modified = 0
        documents = self._drain(self._collection.find(criteria, session=session))
        for document in documents if many else documents[:1]:
            updated = evaluator.run_pipeline([document], pipeline, self._load_collection)[0]
            matched += 1
            result = self._collection.replace_one(
                {"_id": document["_id"]}, updated, session=session
            )
            modified += result.modified_count
        return UpdateOutcome(matched, modified)
