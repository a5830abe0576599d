"""The HTTP answer that streams one opened evidence version: status, headers, chunks.

The bytes go out a block at a time from the opened storage file (`OpenedEvidence.chunks`) and
are never gathered, so a 20 MB download holds one block in memory. The headers say what a
browser may do with them: the type detected at upload (with `nosniff`, so no browser
second-guesses it), attachment unless the case page's preview asks for inline, and no caching
anywhere (identity documents).
"""

from __future__ import annotations

from typing import Literal

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from cases.evidence.services import OpenedEvidence

__all__ = ["Disposition", "evidence_response"]

Disposition = Literal["attachment", "inline"]


def evidence_response(
    opened: OpenedEvidence, *, partial: bool, disposition: Disposition
) -> StreamingHttpResponse:
    """200 with the whole file, or 206 with the range asked for and its Content-Range."""
    row = opened.file
    response = StreamingHttpResponse(
        opened.chunks(), status=206 if partial else 200, content_type=row.content_type
    )
    response["Content-Length"] = str(opened.length)
    if partial:
        response["Content-Range"] = opened.range.content_range()
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = content_disposition_header(
        disposition == "attachment", row.original_name or f"version-{row.version}"
    )
    response["ETag"] = f'"{row.sha256}"'  # a version's bytes never change
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if disposition == "inline":
        # The case page shows the preview in a frame of the same origin; nothing else may.
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response
