"""Collection proxy that lets django-mongodb-backend run on FerretDB v1 (see docs/ferretdb.md).

Only used when the server is FerretDB. Three gaps are bridged:
- unique indexes: created without the `$type` partial filter FerretDB refuses;
- aggregation: a pipeline the server rejects as not implemented is split; its leading `$match`
  stages still run on the server and the rest is finished in-process (aggregation.py);
- updates: the backend sends pipeline-style updates (`[{"$set": {...}}]`); they are rewritten to
  classic `$set`/`$inc` operators, or computed per document when no rewrite exists.
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo.collection import Collection
from pymongo.operations import IndexModel

from casemgmt_project.mongodb_engine import aggregation

logger = logging.getLogger(__name__)

# FerretDB v1 accepts $addFields/$set/$project expressions but does not evaluate field paths in
# them (it stores the string "$field"), so only stages without expressions run on the server.
SERVER_SAFE_STAGES = frozenset({"$match", "$sort", "$limit", "$skip", "$count"})
SERVER_UNSAFE_QUERY_KEYS = frozenset({"$expr", "$where", "$jsonSchema"})


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
        if not local_part:
            return self._collection.aggregate(server_part, *args, **kwargs)
        session = kwargs.get("session")
        documents = self._collection.aggregate(server_part, session=session)
        return ListCursor(aggregation.run_pipeline(documents, local_part, self._load_collection))

    def _load_collection(self, name: str) -> list[dict]:
        return list(self._collection.database[name].find())

    # --- writes ---
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
        cursor = self._collection.find(criteria, session=session)
        for document in cursor if many else cursor.limit(1):
            updated = aggregation.run_pipeline([document], pipeline, self._load_collection)[0]
            matched += 1
            result = self._collection.replace_one(
                {"_id": document["_id"]}, updated, session=session
            )
            modified += result.modified_count
        return UpdateOutcome(matched, modified)


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
