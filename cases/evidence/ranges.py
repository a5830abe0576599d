"""Byte ranges of a stored file (RFC 9110 §14.1.2): one range, resolved against the size.

Pure. The HTTP edge parses a `Range: bytes=...` header with `ByteRange.parse` and passes the
range to `open_evidence`, which resolves it against the file's size: a range past the end is
`RangeNotSatisfiable` (HTTP 416); an end past the last byte is cut to it, as the RFC says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cases.core.errors import InvalidCommand, RangeNotSatisfiable

__all__ = ["ByteRange", "ResolvedRange"]

_SINGLE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ResolvedRange:
    """Inclusive first and last byte offsets within a file of `size` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def is_whole(self) -> bool:
        return self.start == 0 and self.end == self.size - 1

    def content_range(self) -> str:
        """The `Content-Range` value of a 206 answer."""
        return f"bytes {self.start}-{self.end}/{self.size}"


@dataclass(frozen=True)
class ByteRange:
    """`first-last`, `first-` (to the end) or `-suffix` (the last `suffix` bytes)."""

    first: int | None = None
    last: int | None = None

    def __post_init__(self) -> None:
        if self.first is None and self.last is None:
            raise InvalidCommand("a byte range needs a first byte, a last byte or both")
        if any(v is not None and v < 0 for v in (self.first, self.last)):
            raise InvalidCommand("byte positions cannot be negative")
        if self.first is not None and self.last is not None and self.last < self.first:
            raise InvalidCommand(f"byte range {self.first}-{self.last} ends before it starts")

    @classmethod
    def parse(cls, header: str) -> ByteRange:
        """One range of a `Range` header; InvalidCommand for several ranges or another unit."""
        match = _SINGLE.match(header or "")
        if match is None:
            raise InvalidCommand(f"unsupported Range {header!r}: one `bytes=first-last` range")
        first, last = match.groups()
        return cls(int(first) if first else None, int(last) if last else None)

    def resolve(self, size: int) -> ResolvedRange:
        """The offsets within a file of `size` bytes; RangeNotSatisfiable if none fall in it."""
        if self.first is None:  # suffix: the last N bytes
            if not self.last or size == 0:
                raise RangeNotSatisfiable(size, f"bytes=-{self.last} selects nothing of {size}")
            return ResolvedRange(max(size - self.last, 0), size - 1, size)
        if self.first >= size:
            raise RangeNotSatisfiable(
                size, f"the range starts at byte {self.first}, the file has {size} bytes"
            )
        last = size - 1 if self.last is None else min(self.last, size - 1)
        return ResolvedRange(self.first, last, size)

    def header_value(self) -> str:
        first = "" if self.first is None else self.first
        last = "" if self.last is None else self.last
        return f"bytes={first}-{last}"
