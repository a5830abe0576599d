"""Byte ranges (RFC 9110 §14.1.2) of evidence downloads, pure."""

from __future__ import annotations

import pytest

from cases.core.errors import InvalidCommand, RangeNotSatisfiable
from cases.evidence.ranges import ByteRange


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-99", 1000, (0, 99)),
        ("bytes=900-", 1000, (900, 999)),
        ("bytes=-100", 1000, (900, 999)),
        ("bytes=-5000", 1000, (0, 999)),  # a suffix longer than the file is all of it
        ("bytes=990-5000", 1000, (990, 999)),  # an end past the last byte is cut to it
        ("BYTES = 5 - 5", 1000, (5, 5)),
    ],
)
def test_a_range_resolves_against_the_size(header, size, expected):
    resolved = ByteRange.parse(header).resolve(size)
    assert (resolved.start, resolved.end) == expected
    assert resolved.length == expected[1] - expected[0] + 1


def test_the_content_range_of_a_partial_answer():
    resolved = ByteRange(10, 19).resolve(100)
    assert resolved.content_range() == "bytes 10-19/100"
    assert not resolved.is_whole
    assert ByteRange(0, None).resolve(100).is_whole


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=1000-2000", "bytes=-0"])
def test_a_range_outside_the_file_is_not_satisfiable_and_carries_the_size(header):
    with pytest.raises(RangeNotSatisfiable) as refused:
        ByteRange.parse(header).resolve(1000)
    assert refused.value.size == 1000


@pytest.mark.parametrize(
    "header", ["bytes=0-1,5-6", "items=0-1", "bytes=", "bytes=5-1", "bytes=a-b", ""]
)
def test_anything_but_one_bytes_range_is_invalid(header):
    with pytest.raises(InvalidCommand):
        ByteRange.parse(header)


def test_the_header_value_round_trips():
    for header in ("bytes=0-99", "bytes=5-", "bytes=-7"):
        assert ByteRange.parse(header).header_value() == header
