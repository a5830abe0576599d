"""Pipeline stages (`$lookup`, `$facet`, `$group`, `$project`, ...) over a list of documents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from casemgmt_project.mongodb_engine.evaluator.expressions import evaluate, truthy
from casemgmt_project.mongodb_engine.evaluator.queries import matches
from casemgmt_project.mongodb_engine.evaluator.values import (
    MISSING,
    Document,
    LookupSource,
    get_path,
    plain_number,
    set_path,
    sort_key,
    type_rank,
    unset_path,
)


def run_pipeline(
    documents: Iterable[Document], pipeline: list[Document], load_collection: LookupSource
) -> list[Document]:
    """Apply `pipeline` to `documents`; `load_collection(name)` serves `$lookup` sources."""
    rows = [dict(document) for document in documents]
    for stage in pipeline:
        (name, spec), *_ = stage.items()
        rows = _run_stage(name, spec, rows, load_collection)
    return rows


def _run_stage(name: str, spec: Any, rows: list[Document], load: LookupSource) -> list[Document]:
    if name == "$match":
        return [row for row in rows if matches(row, spec)]
    if name in ("$addFields", "$set"):
        for row in rows:
            computed = {key: evaluate(value, row) for key, value in spec.items()}
            for key, value in computed.items():
                if value is MISSING:
                    unset_path(row, key)
                else:
                    set_path(row, key, value)
        return rows
    if name == "$unset":
        for row in rows:
            for path in [spec] if isinstance(spec, str) else spec:
                unset_path(row, path)
        return rows
    if name == "$project":
        return [_project(row, spec) for row in rows]
    if name == "$sort":
        for key, direction in reversed(list(spec.items())):
            rows.sort(key=lambda row: sort_key(get_path(row, key)), reverse=direction == -1)
        return rows
    if name == "$limit":
        return rows[:spec]
    if name == "$skip":
        return rows[spec:]
    if name == "$count":
        return [{spec: len(rows)}] if rows else []
    if name == "$unwind":
        return _unwind(rows, spec)
    if name == "$group":
        return _group(rows, spec)
    if name == "$facet":
        return [{key: run_pipeline(rows, sub, load) for key, sub in spec.items()}]
    if name == "$lookup":
        return _lookup(rows, spec, load)
    if name == "$replaceRoot":
        return [evaluate(spec["newRoot"], row) for row in rows]
    raise NotImplementedError(f"aggregation stage {name}")


def _is_nested_projection(value: Any) -> bool:
    """`{"app_label": 1, "model": 1}` under a key: field paths to keep, not an expression."""
    return (
        isinstance(value, dict)
        and bool(value)
        and not any(key.startswith("$") for key in value)
        and all(
            (not isinstance(item, dict) and item in (0, 1)) or _is_nested_projection(item)
            for item in value.values()
        )
    )


def _flatten_projection(spec: Document, prefix: str = "") -> Document:
    """Nested inclusions as dotted paths (the backend projects joined fields this way)."""
    flat: Document = {}
    for key, value in spec.items():
        if _is_nested_projection(value):
            flat.update(_flatten_projection(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _project(row: Document, spec: Document) -> Document:
    spec = _flatten_projection(spec)
    inclusions = {k: v for k, v in spec.items() if v in (1, True) and not isinstance(v, dict)}
    exclusions = [k for k, v in spec.items() if v in (0, False) and not isinstance(v, dict)]
    computed = {k: v for k, v in spec.items() if k not in inclusions and k not in exclusions}
    if exclusions and not inclusions and not computed:
        result = dict(row)
        for path in exclusions:
            unset_path(result, path)
        return result
    result: Document = {}
    if "_id" not in exclusions and "_id" in row:
        result["_id"] = row["_id"]
    for path in inclusions:
        value = get_path(row, path)
        if value is not MISSING:
            set_path(result, path, value)
    for path, expression in computed.items():
        value = evaluate(expression, row)
        if value is not MISSING:
            set_path(result, path, value)
    return result


def _unwind(rows: list[Document], spec: Any) -> list[Document]:
    path = (spec if isinstance(spec, str) else spec["path"])[1:]
    keep_empty = isinstance(spec, dict) and spec.get("preserveNullAndEmptyArrays", False)
    result = []
    for row in rows:
        value = get_path(row, path)
        if isinstance(value, list) and value:
            for item in value:
                copy = dict(row)
                set_path(copy, path, item)
                result.append(copy)
        elif isinstance(value, list) or value in (MISSING, None):
            if keep_empty:
                copy = dict(row)
                if isinstance(value, list):
                    unset_path(copy, path)
                result.append(copy)
        else:
            result.append(row)
    return result


def _group(rows: list[Document], spec: Document) -> list[Document]:
    groups: dict[Any, tuple[Any, list[Document]]] = {}
    for row in rows:
        key = evaluate(spec["_id"], row)
        key = None if key is MISSING else key
        groups.setdefault(repr(sort_key(key)), (key, []))[1].append(row)
    result = []
    for key, members in groups.values():
        out: Document = {"_id": key}
        for field, accumulator in spec.items():
            if field != "_id":
                out[field] = _accumulate(accumulator, members)
        result.append(out)
    return result


def _accumulate(accumulator: Document, members: list[Document]) -> Any:
    (operator, expression), *_ = accumulator.items()
    values = [evaluate(expression, row) for row in members]
    present = [value for value in values if value not in (MISSING, None)]
    if operator == "$sum":
        # type_rank puts booleans apart from numbers (as BSON does), so $sum skips them.
        return sum(plain_number(v) for v in present if type_rank(v) == 2)
    if operator == "$avg":
        numbers = [plain_number(v) for v in present if type_rank(v) == 2]
        return sum(numbers) / len(numbers) if numbers else None
    if operator == "$min":
        return min(present, key=sort_key) if present else None
    if operator == "$max":
        return max(present, key=sort_key) if present else None
    if operator == "$first":
        return values[0] if values else None
    if operator == "$last":
        return values[-1] if values else None
    if operator == "$push":
        return [v for v in values if v is not MISSING]
    if operator == "$addToSet":
        unique: dict[Any, Any] = {}
        for value in present:
            unique.setdefault(repr(sort_key(value)), value)
        return list(unique.values())
    raise NotImplementedError(f"group accumulator {operator}")


def _lookup(rows: list[Document], spec: Document, load: LookupSource) -> list[Document]:
    foreign = load(spec["from"])
    local_field, foreign_field = spec.get("localField"), spec.get("foreignField")
    index: dict[Any, list[Document]] | None = None
    if local_field is not None:
        index = {}
        for candidate in foreign:
            value = get_path(candidate, foreign_field)
            for item in value if isinstance(value, list) else [value]:
                key = None if item is MISSING else item
                index.setdefault(repr(sort_key(key)), []).append(candidate)
    for row in rows:
        if index is not None:
            local = get_path(row, local_field)
            local = None if local is MISSING else local
            joined = list(index.get(repr(sort_key(local)), []))
        else:
            joined = list(foreign)
        sub_pipeline = spec.get("pipeline") or []
        if sub_pipeline:
            variables = {name: evaluate(expr, row) for name, expr in spec.get("let", {}).items()}
            joined = _run_with_variables(joined, sub_pipeline, variables, load)
        row[spec["as"]] = joined
    return rows


def _run_with_variables(
    rows: list[Document], pipeline: list[Document], variables: dict, load: LookupSource
) -> list[Document]:
    """Inner `$lookup` pipelines may use `$$vars` in `$match: {$expr: ...}`."""
    result = [dict(row) for row in rows]
    for stage in pipeline:
        (name, spec), *_ = stage.items()
        if name == "$match" and "$expr" in spec:
            rest = {k: v for k, v in spec.items() if k != "$expr"}
            result = [
                row
                for row in result
                if truthy(evaluate(spec["$expr"], row, variables)) and matches(row, rest)
            ]
        else:
            result = _run_stage(name, spec, result, load)
    return result
