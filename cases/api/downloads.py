"""The HTTP answer that streams one evidence version: status, headers, bounded chunks.

The bytes are passed on a block at a time from the opened storage file and never gathered, so
a 20 MB download holds one block in memory. Headers say what a browser may do with the bytes:
the type detected at upload (with `nosniff`, so no browser second-guesses it), attachment
unless the admin's preview asks for inline, and no caching anywhere (identity documents).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from cases.evidence.ranges import ResolvedRange

__all__ = ["BLOCK_SIZE", "Disposition", "bounded_chunks", "evidence_response"]

#: One GridFS chunk is 255 KiB; a block of 256 KiB keeps reads aligned to about one chunk.
BLOCK_SIZE = 256 * 1024

Disposition = Literal["attachment", "inline"]


def bounded_chunks(source: Any, length: int, block_size: int = BLOCK_SIZE) -> Iterator[bytes]:
    """Exactly `length` bytes of `source` (a file object already at the first byte, or an
    iterator of byte chunks), in blocks; closes `source` when done or abandoned."""
    remaining = length
    try:
        if hasattr(source, "read"):
            while remaining > 0:
                block = source.read(min(block_size, remaining))
                if not block:
                    break
                remaining -= len(block)
                yield block
        else:
            for chunk in source:
                if remaining <= 0:
                    break
                block = chunk[:remaining]
                remaining -= len(block)
                yield block
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


def evidence_response(
    *,
    chunks: Iterator[bytes],
    size: int,
    served: ResolvedRange | None,
    content_type: str,
    original_name: str,
    sha256: str,
    disposition: Disposition,
) -> StreamingHttpResponse:
    """200 with the whole file, or 206 with `served` and its Content-Range."""
    response = StreamingHttpResponse(
        chunks, status=206 if served else 200, content_type=content_type
    )
    response["Content-Length"] = str(served.length if served else size)
    if served:
        response["Content-Range"] = served.content_range()
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = content_disposition_header(
        disposition == "attachment", original_name
    )
    response["ETag"] = f'"{sha256}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if disposition == "inline":
        # The case page shows the preview in a frame of the same origin; nothing else may.
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response
