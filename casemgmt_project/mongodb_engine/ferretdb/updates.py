"""Update documents: applied in-process, or rewritten from pipeline form to classic operators."""

from __future__ import annotations

from typing import Any

from pymongo.operations import ReplaceOne, UpdateOne

from casemgmt_project.mongodb_engine.evaluator.values import MISSING


def targets_one_id(request: Any) -> bool:
    """An UpdateOne or ReplaceOne whose filter is one `_id` (and no pipeline), possibly with
    conditions on other fields (a compare-and-set, never an upsert)."""
    return (
        isinstance(request, (UpdateOne, ReplaceOne))
        and "_id" in request._filter
        and not isinstance(request._filter["_id"], dict)
        and (isinstance(request, ReplaceOne) or isinstance(request._doc, dict))
        and (set(request._filter) == {"_id"} or not request._upsert)
    )


def conditions_of(request: Any) -> dict:
    """The filter's conditions besides the `_id` (empty for a plain by-id request)."""
    return {key: value for key, value in request._filter.items() if key != "_id"}


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
            child = node.get(part, MISSING)
            if child is MISSING:
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


def as_classic_update(pipeline: list[dict]) -> dict | None:
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
