"""What FerretDB v1 can run itself: which leading pipeline stages, which unique indexes."""

from __future__ import annotations

from typing import Any

from pymongo.operations import IndexModel

# FerretDB v1 accepts $addFields/$set/$project expressions but does not evaluate field paths in
# them (it stores the string "$field"), so only stages without expressions run on the server.
SERVER_SAFE_STAGES = frozenset({"$match", "$sort", "$limit", "$skip", "$count"})
SERVER_UNSAFE_QUERY_KEYS = frozenset({"$expr", "$where", "$jsonSchema"})
# FerretDB v1 holds a pooled SQLite connection per update statement until the whole command
# ends, so a bulk write goes in commands of at most this many statements.
MAX_STATEMENTS_PER_COMMAND = 50
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
