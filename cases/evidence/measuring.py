"""Reading an upload once: its head for sniffing, then everything through a hashing, counting,
size-limited reader that storage consumes chunk by chunk (never the whole file in memory)."""

from __future__ import annotations

import hashlib
import io
from typing import BinaryIO

from cases.core.errors import EvidenceTooLarge

__all__ = ["MeasuredReader", "read_head"]


def read_head(stream: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes from the start (a stream may return fewer per read than asked)."""
    parts, wanted = [], size
    while wanted > 0:
        part = stream.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


class MeasuredReader(io.RawIOBase):
    """`head` then the rest of `stream`, hashed (SHA-256) and counted as it is read.

    Reading past `max_bytes` raises EvidenceTooLarge, which makes the storage abort the write
    (its chunks are removed). Not seekable: it is read once, front to back.
    """

    def __init__(self, head: bytes, stream: BinaryIO, max_bytes: int):
        super().__init__()
        self._head = memoryview(head)
        self._stream = stream
        self._max = max_bytes
        self._hash = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._head.nbytes:
            count = min(len(view), self._head.nbytes)
            view[:count] = self._head[:count]
            self._head = self._head[count:]
        else:
            data = self._stream.read(len(view))
            count = len(data) if data else 0
            view[:count] = data or b""
        if count:
            self.size += count
            if self.size > self._max:
                raise EvidenceTooLarge(self._max)
            self._hash.update(view[:count])
        return count

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()
