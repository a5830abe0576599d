"""Values as MongoDB sees them: dotted paths, BSON type names and BSON comparison order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bson import Decimal128, ObjectId

MISSING = object()
Document = dict[str, Any]
LookupSource = Callable[[str], list[Document]]


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


def type_rank(value: Any) -> int:
    """Position of the value's type in BSON comparison order (missing first)."""
    if value is MISSING:
        return 0
    for types, rank in _TYPE_RANK:
        if isinstance(value, types):
            return rank
    return 10


def plain_number(value: Any) -> Any:
    """A Decimal128 as a Python Decimal, so it can take part in arithmetic."""
    if isinstance(value, Decimal128):
        return value.to_decimal()
    return value


def sort_key(value: Any) -> tuple:
    """A key ordering values the way BSON comparison does (type first, then value)."""
    rank = type_rank(value)
    if rank in (0, 1):
        return (1, 0)  # missing and null compare equal
    if rank == 4:
        return (rank, tuple((k, sort_key(v)) for k, v in value.items()))
    if rank == 5:
        return (rank, tuple(sort_key(v) for v in value))
    if rank == 2:
        return (rank, float(plain_number(value)))
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
