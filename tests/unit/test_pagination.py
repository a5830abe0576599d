"""Keyset cursors (cases.api.pagination): pure parts, no database."""

import uuid
from datetime import UTC, datetime

import pytest
from django.db.models import Q
from ninja.errors import HttpError

from cases.api.pagination import _after, _decode, _encode
from cases.models import Case


def test_rows_after_a_descending_key_are_older_or_equal_time_with_a_smaller_id():
    at, pk = datetime(2026, 1, 1, tzinfo=UTC), uuid.uuid4()
    expected = Q(created_at__lt=at) | (Q(id__lt=pk) & Q(created_at=at))
    assert _after(["-created_at", "-id"], [at, pk]) == expected


def test_a_cursor_round_trips_to_the_typed_values_of_its_fields():
    at, pk = datetime(2026, 1, 1, 12, 30, 15, 123000, tzinfo=UTC), uuid.uuid4()
    cursor = _encode(["-created_at", "-id"], [at.isoformat(), str(pk)])
    assert _decode(cursor, ["-created_at", "-id"], Case) == [at, pk]


@pytest.mark.parametrize("cursor", ["", "%%%", "bm90LWpzb24", "eyJrIjpbXSwidiI6W119"])
def test_a_forged_cursor_or_one_from_another_list_is_a_400(cursor):
    with pytest.raises(HttpError) as refused:
        _decode(cursor or "x", ["-created_at", "-id"], Case)
    assert refused.value.status_code == 400


def test_a_cursor_with_a_value_of_the_wrong_type_is_a_400():
    cursor = _encode(["-created_at", "-id"], ["yesterday", "not-a-uuid"])
    with pytest.raises(HttpError):
        _decode(cursor, ["-created_at", "-id"], Case)
