"""The query language of `$match` (and `find`), tested against one document."""

from __future__ import annotations

import re
from typing import Any

from bson.regex import Regex

from casemgmt_project.mongodb_engine.evaluator.expressions import COMPARISONS, evaluate, truthy
from casemgmt_project.mongodb_engine.evaluator.values import (
    MISSING,
    Document,
    bson_type,
    compare,
    get_path,
    type_rank,
)


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
            if not truthy(evaluate(condition, document)):
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
        test = COMPARISONS[operator]
        return any(
            v not in (MISSING,) and type_rank(v) == type_rank(operand) and test(compare(v, operand))
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
        return bson_type(value) in wanted or ("number" in wanted and type_rank(value) == 2)
    if operator == "$elemMatch":
        return isinstance(value, list) and any(
            matches(item, operand) if isinstance(item, dict) else _field_matches(item, operand)
            for item in value
        )
    raise NotImplementedError(f"query operator {operator}")
