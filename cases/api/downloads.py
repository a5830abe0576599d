"""The HTTP answer that streams one opened evidence version: status, headers, chunks.

The bytes go out a block at a time from the opened storage file (`OpenedEvidence.chunks`) and
are never gathered, so a 20 MB download holds one block in memory. The headers say what a
browser may do with them: the type detected at upload (with `nosniff`, so no browser
second-guesses it), attachment unless the case page's preview asks for inline, and no caching
anywhere (identity documents). A HEAD gets the same headers from the stored row alone.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from cases.evidence.services import OpenedEvidence
from cases.models import EvidenceFile

__all__ = ["Disposition", "evidence_head_response", "evidence_response"]

Disposition = Literal["attachment", "inline"]


def evidence_response(
    opened: OpenedEvidence, *, partial: bool, disposition: Disposition
) -> StreamingHttpResponse:
    """200 with the whole file, or 206 with the range asked for and its Content-Range."""
    response = StreamingHttpResponse(
        opened.chunks(), status=206 if partial else 200, content_type=opened.content_type
    )
    _describe(response, opened.file, opened.length, disposition)
    if partial:
        response["Content-Range"] = opened.range.content_range()
    return response


def evidence_head_response(row: EvidenceFile, *, disposition: Disposition) -> HttpResponse:
    """What a GET of the whole file would answer, headers only: no body, no storage read."""
    response = HttpResponse(b"", content_type=row.content_type)
    _describe(response, row, row.size, disposition)
    return response


def _describe(
    response: HttpResponseBase, row: EvidenceFile, length: int, disposition: Disposition
) -> None:
    response["Content-Length"] = str(length)
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
