"""Keyset pagination: an opaque cursor on the list's sort key plus id; no counts, ever.

A page costs the same at row 100 and at row 10 million: the cursor turns into a range condition
on the fields the list is ordered by (each list's ordering is backed by an index, see
cases.selectors), so the database seeks instead of skipping. Rows inserted while a client walks
the list never shift a page: each page starts strictly after the last row returned.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Model, Q, QuerySet
from ninja import Schema
from ninja.errors import HttpError
from pydantic import Field

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Page", "PageParams", "paginate"]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

ModelT = TypeVar("ModelT", bound=Model)


class PageParams(Schema):
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}."
    )
    cursor: str | None = Field(
        None,
        max_length=1000,
        description="`next_cursor` of the previous page; omit for the first page.",
    )


@dataclass(frozen=True)
class Page(Generic[ModelT]):
    items: list[ModelT]
    next_cursor: str | None


def _ordering(queryset: QuerySet) -> list[str]:
    ordering = list(queryset.query.order_by)
    if not ordering:
        raise ValueError("keyset pagination needs an explicitly ordered queryset")
    return ordering


def _encode(names: list[str], values: list[Any]) -> str:
    raw = json.dumps({"k": names, "v": values}, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _bad_cursor() -> HttpError:
    return HttpError(400, "cursor is not valid for this list; start again without one")


def _decode(cursor: str, names: list[str], model: type[Model]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("k") != names:
            raise ValueError
        values = data["v"]
        if not isinstance(values, list) or len(values) != len(names):
            raise ValueError
        fields = [model._meta.get_field(name.lstrip("-")) for name in names]
        return [field.to_python(value) for field, value in zip(fields, values, strict=True)]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc
    except Exception as exc:  # field.to_python raises django ValidationError
        raise _bad_cursor() from exc


def _after(names: list[str], values: list[Any]) -> Q:
    """Rows strictly after `values` in the (mixed-direction) ordering `names`."""
    condition = Q()
    for index, name in enumerate(names):
        field = name.lstrip("-")
        step = Q(**{f"{field}__{'lt' if name.startswith('-') else 'gt'}": values[index]})
        for earlier, value in zip(names[:index], values[:index], strict=True):
            step &= Q(**{earlier.lstrip("-"): value})
        condition |= step
    return condition


def _value(instance: Model, name: str) -> Any:
    field = instance._meta.get_field(name.lstrip("-"))
    value = getattr(instance, field.attname)
    return value.isoformat() if hasattr(value, "isoformat") else value


def paginate(queryset: QuerySet[ModelT], params: PageParams) -> Page[ModelT]:
    """One page of an ordered queryset; the ordering must end in a unique field (the id)."""
    names = _ordering(queryset)
    if params.cursor:
        queryset = queryset.filter(_after(names, _decode(params.cursor, names, queryset.model)))
    rows = list(queryset[: params.limit + 1])
    if len(rows) <= params.limit:
        return Page(rows, None)
    last = rows[params.limit - 1]
    return Page(rows[: params.limit], _encode(names, [_value(last, name) for name in names]))
