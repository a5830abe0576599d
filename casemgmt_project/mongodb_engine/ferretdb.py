"""Collection proxy that lets django-mongodb-backend run on FerretDB v1 (see docs/ferretdb.md).

Only used when the server is FerretDB. The gaps bridged:
- unique indexes: created without the `$type` partial filter FerretDB refuses;
- aggregation: only expression-free stages (`$match`, `$sort`, `$limit`, ...) go to the server;
  the rest of the pipeline is finished in-process (aggregation.py);
- updates: the backend sends pipeline-style updates (`[{"$set": {...}}]`); they are rewritten to
  classic `$set`/`$inc` operators, or computed per document when no rewrite exists;
- cursors are read to the end and closed at once, and bulk writes are sent in small commands,
  because FerretDB's SQLite backend otherwise runs out of pooled connections and stalls;
- a delete matching more documents than SQLite takes variables (FerretDB binds one per id) is
  sent again in chunks of ids.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError, OperationFailure
from pymongo.operations import IndexModel, ReplaceOne, UpdateOne

from casemgmt_project.mongodb_engine import aggregation

logger = logging.getLogger(__name__)

# FerretDB v1 accepts $addFields/$set/$project expressions but does not evaluate field paths in
# them (it stores the string "$field"), so only stages without expressions run on the server.
MAX_STATEMENTS_PER_COMMAND = 50
# Documents of a delete+insert rewrite in flight, so a crash between the two loses nothing.
REWRITE_JOURNAL = "ferretdb_rewrite_journal"
SERVER_SAFE_STAGES = frozenset({"$match", "$sort", "$limit", "$skip", "$count"})
SERVER_UNSAFE_QUERY_KEYS = frozenset({"$expr", "$where", "$jsonSchema"})
# FerretDB's SQLite backend deletes the matched documents with one variable per id; past
# SQLite's limit (32,766) the whole delete fails, so the ids go again this many at a time.
DELETE_IDS_PER_COMMAND = 30_000
TOO_MANY_VARIABLES = "too many SQL variables"


def _mentions(value: Any, names: frozenset[str]) -> bool:
    if isinstance(value, dict):
        return any(key in names or _mentions(item, names) for key, item in value.items())
    if isinstance(value, list):
        return any(_mentions(item, names) for item in value)
    return False


def _is_identity(stage: dict) -> bool:
    """`{"$addFields": {"f": "$f"}}`: the backend adds these before sorts; they change nothing."""
    (name, spec), *_ = stage.items()
    return name in ("$addFields", "$set") and all(value == f"${key}" for key, value in spec.items())


def _server_safe(stage: dict) -> bool:
    (name, spec), *_ = stage.items()
    if name == "$project":
        return all(value in (0, 1) for value in spec.values())
    if name == "$unwind":
        return isinstance(spec, str)
    if name == "$match":
        return not _mentions(spec, SERVER_UNSAFE_QUERY_KEYS)
    return name in SERVER_SAFE_STAGES


def split_pipeline(pipeline: list[dict]) -> tuple[list[dict], list[dict]]:
    """(stages the server can run, stages to finish in-process)."""
    stages = [stage for stage in pipeline if not _is_identity(stage)]
    split = 0
    while split < len(stages) and _server_safe(stages[split]):
        split += 1
    return stages[:split], stages[split:]


def _type_only_filter(expression: dict) -> bool:
    return all(isinstance(cond, dict) and set(cond) == {"$type"} for cond in expression.values())


def without_null_tolerance(index: IndexModel) -> IndexModel:
    """A copy of a unique index without the `$type` partial filter (FerretDB v1 lacks it)."""
    document = dict(index.document)
    partial = document.get("partialFilterExpression")
    if not document.get("unique") or not partial or not _type_only_filter(partial):
        return index
    del document["partialFilterExpression"]
    keys = list(document.pop("key").items())
    return IndexModel(keys, **document)


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
            documents = aggregation.run_pipeline(documents, local_part, self._load_collection)
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
        if requests and all(_targets_one_id(request) for request in requests):
            return self._write_by_id(requests, kwargs.get("session"), known_documents or [])
        return self._write_in_chunks(requests, ordered, **kwargs)

    def _write_by_id(self, requests: list[Any], session: Any, known: list[dict]) -> BulkOutcome:
        """Updates and replacements by `_id`, done as one read, one delete and one insert.

        FerretDB v1 on SQLite has no index on `_id`: each update statement scans the whole
        collection, which makes batches quadratic. The read is skipped for the targets in
        `known` (the caller vouches they are stored exactly so), leaving the delete as the one
        scan. The new documents are journalled first (`REWRITE_JOURNAL`, inserts only: no
        scan), so a crash between the delete and the insert loses nothing: the next process
        to connect restores them (`recover_rewrites`). The chaos suite found the hole this
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
            documents = [current[pk] for pk in touched]
            journal = self._collection.database[REWRITE_JOURNAL]
            rewrite = uuid.uuid4().hex
            journal.insert_many(
                [
                    {
                        "_id": f"{rewrite}:{n}",
                        "rewrite": rewrite,
                        "collection": self._collection.name,
                        "document": document,
                        "at": datetime.now(UTC),
                    }
                    for n, document in enumerate(documents)
                ],
                session=session,
            )
            self._collection.delete_many({"_id": {"$in": list(touched)}}, session=session)
            _insert_missing(self._collection, documents, session)
            journal.delete_many({"rewrite": rewrite}, session=session)
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
        classic = _as_classic_update(update)
        if classic is not None:
            return native(criteria, classic, **kwargs)
        return self._update_per_document(criteria, update, many=many, session=kwargs.get("session"))

    def _update_per_document(
        self, criteria: dict, pipeline: list[dict], *, many: bool, session: Any
    ) -> UpdateOutcome:
        matched = modified = 0
        documents = self._drain(self._collection.find(criteria, session=session))
        for document in documents if many else documents[:1]:
            updated = aggregation.run_pipeline([document], pipeline, self._load_collection)[0]
            matched += 1
            result = self._collection.replace_one(
                {"_id": document["_id"]}, updated, session=session
            )
            modified += result.modified_count
        return UpdateOutcome(matched, modified)


def _insert_missing(collection: Collection, documents: list[dict], session: Any = None) -> None:
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
            _insert_missing(collection, missing)
            restored += len(missing)
            logger.warning(
                "restored documents of an interrupted rewrite",
                extra={"collection": name, "count": len(missing)},
            )
    if entries:
        journal.delete_many({"_id": {"$in": [entry["_id"] for entry in entries]}})
    return restored


def _targets_one_id(request: Any) -> bool:
    return (
        isinstance(request, (UpdateOne, ReplaceOne))
        and set(request._filter) == {"_id"}
        and not isinstance(request._filter["_id"], dict)
        and (isinstance(request, ReplaceOne) or isinstance(request._doc, dict))
    )


def apply_update(document: dict, update: dict, inserting: bool) -> dict:
    """Apply classic update operators ($set, $unset, $inc, $setOnInsert); `document` is untouched.

    Only the dicts on the paths an operator changes are copied; the rest is shared with
    `document`. Deep-copying whole audit rows, payload included, was a sixth of the consumer's
    CPU on FerretDB.
    """
    result = dict(document)
    copied = {id(result)}

    def parent_of(path: str, create: bool) -> tuple[dict | None, str]:
        *parents, leaf = path.split(".")
        node = result
        for part in parents:
            child = node.get(part, aggregation.MISSING)
            if child is aggregation.MISSING:
                if not create:
                    return None, leaf
                child = {}
            elif not isinstance(child, dict):
                if not create:
                    return None, leaf
                raise TypeError(f"cannot create field {leaf!r} inside a non-document at {path!r}")
            if id(child) not in copied:
                child = dict(child)
                copied.add(id(child))
            node[part] = child
            node = child
        return node, leaf

    for operator, fields in update.items():
        if operator == "$setOnInsert" and not inserting:
            continue
        for path, value in fields.items():
            if operator in ("$set", "$setOnInsert"):
                node, leaf = parent_of(path, create=True)
                node[leaf] = value
            elif operator == "$unset":
                node, leaf = parent_of(path, create=False)
                if node is not None:
                    node.pop(leaf, None)
            elif operator == "$inc":
                node, leaf = parent_of(path, create=True)
                current = node.get(leaf)
                node[leaf] = (0 if current is None else current) + value
            else:
                raise NotImplementedError(f"update operator {operator}")
    return result


def _as_classic_update(pipeline: list[dict]) -> dict | None:
    """`[{"$set": {f: {"$literal": v}, g: {"$add": ["$g", n]}}}]` → `{"$set": ..., "$inc": ...}`."""
    sets: dict[str, Any] = {}
    increments: dict[str, Any] = {}
    for stage in pipeline:
        if set(stage) - {"$set", "$addFields"}:
            return None
        for field, expression in next(iter(stage.values())).items():
            if isinstance(expression, dict) and set(expression) == {"$literal"}:
                sets[field] = expression["$literal"]
            elif isinstance(expression, dict) and set(expression) == {"$add"}:
                step = _increment_of(field, expression["$add"])
                if step is None:
                    return None
                increments[field] = step
            elif isinstance(expression, (dict, list)) or (
                isinstance(expression, str) and expression.startswith("$")
            ):
                return None
            else:
                sets[field] = expression
    if set(sets) & set(increments):
        return None
    update = {}
    if sets:
        update["$set"] = sets
    if increments:
        update["$inc"] = increments
    return update or None


def _increment_of(field: str, operands: list[Any]) -> Any:
    if len(operands) != 2 or f"${field}" not in operands:
        return None
    other = operands[1] if operands[0] == f"${field}" else operands[0]
    if isinstance(other, dict) and set(other) == {"$literal"}:
        other = other["$literal"]
    if isinstance(other, (int, float)) and not isinstance(other, bool):
        return other
    return None
