"""A small in-process evaluator for the MongoDB query and aggregation language.

FerretDB v1 (the local and CI server) lacks several stages and operators that
django-mongodb-backend emits: `$lookup` (joins), `$facet` (counts), `$cond`, `$literal`,
`$getField`. On FerretDB only, the engine runs the part of a pipeline the server understands and
finishes the rest here. It covers the subset the backend generates for this project and Django's
contrib apps; anything else raises NotImplementedError naming the construct, rather than guessing.
Real MongoDB never goes through this module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from bson import Decimal128, ObjectId
from bson.regex import Regex

MISSING = object()
Document = dict[str, Any]
LookupSource = Callable[[str], list[Document]]


# --- Values ----------------------------------------------------------------------------------


def get_path(document: Any, path: str) -> Any:
    """Resolve a dotted path; arrays on the way are traversed element-wise (as MongoDB does)."""
    current = document
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part, MISSING)
        elif isinstance(current, list):
            if part.isdigit():
                index = int(part)
                current = current[index] if index < len(current) else MISSING
            else:
                values = [get_path(item, part) for item in current if isinstance(item, dict)]
                current = [value for value in values if value is not MISSING]
        else:
            return MISSING
        if current is MISSING:
            return MISSING
    return current


def set_path(document: Document, path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        document = document.setdefault(part, {})
    document[parts[-1]] = value


def unset_path(document: Document, path: str) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        document = document.get(part)
        if not isinstance(document, dict):
            return
    document.pop(parts[-1], None)


_TYPE_RANK = [
    ((type(None),), 1),
    ((bool,), 8),
    ((int, float, Decimal, Decimal128), 2),
    ((str,), 3),
    ((dict,), 4),
    ((list,), 5),
    ((bytes,), 6),
    ((ObjectId,), 7),
    ((dt.datetime,), 9),
]


def _rank(value: Any) -> int:
    if value is MISSING:
        return 0
    for types, rank in _TYPE_RANK:
        if isinstance(value, types):
            return rank
    return 10


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal128):
        return value.to_decimal()
    return value


def sort_key(value: Any) -> tuple:
    """A key ordering values the way BSON comparison does (type first, then value)."""
    rank = _rank(value)
    if rank in (0, 1):
        return (1, 0)  # missing and null compare equal
    if rank == 4:
        return (rank, tuple((k, sort_key(v)) for k, v in value.items()))
    if rank == 5:
        return (rank, tuple(sort_key(v) for v in value))
    if rank == 2:
        return (rank, float(_plain(value)))
    return (rank, value)


def compare(left: Any, right: Any) -> int:
    a, b = sort_key(left), sort_key(right)
    return (a > b) - (a < b)


def bson_type(value: Any) -> str:
    if value is MISSING:
        return "missing"
    names = {
        type(None): "null",
        bool: "bool",
        int: "long" if isinstance(value, int) and abs(value) > 2**31 else "int",
        float: "double",
        str: "string",
        dict: "object",
        list: "array",
        ObjectId: "objectId",
        dt.datetime: "date",
        Decimal128: "decimal",
        bytes: "binData",
    }
    return names.get(type(value), "unknown")


# --- Expressions (aggregation operators) -----------------------------------------------------


def evaluate(expression: Any, document: Document, variables: dict[str, Any] | None = None) -> Any:
    variables = variables or {}
    if isinstance(expression, str) and expression.startswith("$$"):
        name, _, rest = expression[2:].partition(".")
        if name == "ROOT" or name == "CURRENT":
            base = document
        elif name in variables:
            base = variables[name]
        else:
            raise NotImplementedError(f"unknown variable $${name}")
        return get_path(base, rest) if rest else base
    if isinstance(expression, str) and expression.startswith("$"):
        return get_path(document, expression[1:])
    if isinstance(expression, list):
        return [evaluate(item, document, variables) for item in expression]
    if isinstance(expression, dict):
        if len(expression) == 1:
            (operator, argument), *_ = expression.items()
            if operator.startswith("$"):
                return _apply_operator(operator, argument, document, variables)
        return {key: evaluate(value, document, variables) for key, value in expression.items()}
    return expression


def _args(argument: Any, document: Document, variables: dict) -> list[Any]:
    values = argument if isinstance(argument, list) else [argument]
    return [evaluate(value, document, variables) for value in values]


def _truthy(value: Any) -> bool:
    return value not in (MISSING, None, False, 0) and not (isinstance(value, float) and value == 0)


def _apply_operator(operator: str, argument: Any, document: Document, variables: dict) -> Any:
    if operator == "$literal":
        return argument
    if operator == "$cond":
        if isinstance(argument, list):
            condition, then, otherwise = argument
        else:
            condition, then, otherwise = argument["if"], argument["then"], argument["else"]
        chosen = then if _truthy(evaluate(condition, document, variables)) else otherwise
        return evaluate(chosen, document, variables)
    if operator == "$getField":
        source = argument.get("input", "$$CURRENT") if isinstance(argument, dict) else "$$CURRENT"
        field = argument["field"] if isinstance(argument, dict) else argument
        target = evaluate(source, document, variables)
        return target.get(field, MISSING) if isinstance(target, dict) else MISSING
    if operator == "$let":
        scope = dict(variables)
        for name, value in argument["vars"].items():
            scope[name] = evaluate(value, document, variables)
        return evaluate(argument["in"], document, scope)
    values = _args(argument, document, variables)
    if operator == "$ifNull":
        for value in values:
            if value not in (MISSING, None):
                return value
        return None
    if operator == "$type":
        return bson_type(values[0])
    if operator == "$in":
        needle, haystack = values
        return any(compare(needle, item) == 0 for item in (haystack or []))
    if operator in _COMPARISONS:
        return _COMPARISONS[operator](compare(values[0], values[1]))
    if operator == "$and":
        return all(_truthy(value) for value in values)
    if operator == "$or":
        return any(_truthy(value) for value in values)
    if operator == "$not":
        return not _truthy(values[0])
    if operator == "$arrayElemAt":
        array, index = values
        if not isinstance(array, list) or not -len(array) <= index < len(array):
            return MISSING
        return array[index]
    if operator == "$size":
        return len(values[0])
    if operator in ("$add", "$subtract", "$multiply", "$divide"):
        if any(value in (MISSING, None) for value in values):
            return None
        numbers = [_plain(value) for value in values]
        result = numbers[0]
        for number in numbers[1:]:
            result = {
                "$add": lambda a, b: a + b,
                "$subtract": lambda a, b: a - b,
                "$multiply": lambda a, b: a * b,
                "$divide": lambda a, b: a / b,
            }[operator](result, number)
        return result
    if operator in ("$toLower", "$toUpper"):
        text = values[0] if isinstance(values[0], str) else ""
        return text.lower() if operator == "$toLower" else text.upper()
    if operator == "$concat":
        if any(not isinstance(value, str) for value in values):
            return None
        return "".join(values)
    raise NotImplementedError(f"aggregation operator {operator}")


_COMPARISONS = {
    "$eq": lambda c: c == 0,
    "$ne": lambda c: c != 0,
    "$gt": lambda c: c > 0,
    "$gte": lambda c: c >= 0,
    "$lt": lambda c: c < 0,
    "$lte": lambda c: c <= 0,
}


# --- Query language ($match) -----------------------------------------------------------------


def matches(document: Document, query: Document) -> bool:
    for key, condition in query.items():
        if key == "$and":
            if not all(matches(document, sub) for sub in condition):
                return False
        elif key == "$or":
            if not any(matches(document, sub) for sub in condition):
                return False
        elif key == "$nor":
            if any(matches(document, sub) for sub in condition):
                return False
        elif key == "$expr":
            if not _truthy(evaluate(condition, document)):
                return False
        elif key.startswith("$"):
            raise NotImplementedError(f"query operator {key}")
        elif not _field_matches(get_path(document, key), condition):
            return False
    return True


def _is_operator_document(condition: Any) -> bool:
    return (
        isinstance(condition, dict)
        and bool(condition)
        and all(k.startswith("$") for k in condition)
    )


def _candidates(value: Any) -> list[Any]:
    """A field matches if the value itself, or any element of an array value, matches."""
    if isinstance(value, list):
        return [value, *value]
    return [value]


def _field_matches(value: Any, condition: Any) -> bool:
    if not _is_operator_document(condition):
        return _equals(value, condition)
    options = condition.get("$options", "")
    for operator, operand in condition.items():
        if operator == "$options":
            continue
        if not _operator_matches(value, operator, operand, options):
            return False
    return True


def _equals(value: Any, target: Any) -> bool:
    if isinstance(target, (re.Pattern, Regex)):
        return _regex_matches(value, target, "")
    if target is None:
        return value in (MISSING, None) or (isinstance(value, list) and None in value)
    return any(v is not MISSING and compare(v, target) == 0 for v in _candidates(value))


def _regex_matches(value: Any, pattern: Any, options: str) -> bool:
    if isinstance(pattern, Regex):
        pattern = pattern.try_compile()
    if not isinstance(pattern, re.Pattern):
        flags = re.IGNORECASE if "i" in options else 0
        flags |= re.MULTILINE if "m" in options else 0
        flags |= re.DOTALL if "s" in options else 0
        pattern = re.compile(pattern, flags)
    return any(isinstance(v, str) and pattern.search(v) for v in _candidates(value))


def _in(value: Any, operand: Any) -> bool:
    """`$in`, with a set lookup when every candidate is a string (ids, statuses)."""
    if all(isinstance(item, str) for item in operand):
        wanted = set(operand)
        return any(isinstance(v, str) and v in wanted for v in _candidates(value))
    return any(_equals(value, item) for item in operand)


def _operator_matches(value: Any, operator: str, operand: Any, options: str) -> bool:
    if operator == "$eq":
        return _equals(value, operand)
    if operator == "$ne":
        return not _equals(value, operand)
    if operator in ("$gt", "$gte", "$lt", "$lte"):
        test = _COMPARISONS[operator]
        return any(
            v not in (MISSING,) and _rank(v) == _rank(operand) and test(compare(v, operand))
            for v in _candidates(value)
        )
    if operator == "$in":
        return _in(value, operand)
    if operator == "$nin":
        return not _in(value, operand)
    if operator == "$exists":
        return (value is not MISSING) == bool(operand)
    if operator == "$regex":
        return _regex_matches(value, operand, options)
    if operator == "$not":
        return not _field_matches(value, operand)
    if operator == "$all":
        return isinstance(value, list) and all(_equals(value, item) for item in operand)
    if operator == "$size":
        return isinstance(value, list) and len(value) == operand
    if operator == "$type":
        wanted = operand if isinstance(operand, list) else [operand]
        return bson_type(value) in wanted or ("number" in wanted and _rank(value) == 2)
    if operator == "$elemMatch":
        return isinstance(value, list) and any(
            matches(item, operand) if isinstance(item, dict) else _field_matches(item, operand)
            for item in value
        )
    raise NotImplementedError(f"query operator {operator}")


# --- Stages ----------------------------------------------------------------------------------


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
        return sum(_plain(v) for v in present if _rank(v) == 2 and not isinstance(v, bool))
    if operator == "$avg":
        numbers = [_plain(v) for v in present if _rank(v) == 2]
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
                if _truthy(evaluate(spec["$expr"], row, variables)) and matches(row, rest)
            ]
        else:
            result = _run_stage(name, spec, result, load)
    return result
