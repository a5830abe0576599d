"""Multipart uploads: bounded before they are read, spooled to disk, never held whole in memory.

Evidence files (SPEC §5a) are the only multipart input the service takes, through the API and
the admin's upload form. Django parses a multipart body through the upload handlers of
FILE_UPLOAD_HANDLERS, in order. The first one here refuses a body larger than the evidence
limit plus room for the form fields before a byte of it is read (Content-Length is known:
WSGI bounds the input to it), so an oversized upload costs neither memory nor disk. The
others are Django's: a body up to FILE_UPLOAD_MAX_MEMORY_SIZE stays in memory, a larger one is
written to a temporary file in 64 KiB chunks, from which the evidence service streams it to
storage. DATA_UPLOAD_MAX_MEMORY_SIZE still bounds the non-file fields and JSON bodies.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler

__all__ = ["FORM_FIELDS_ALLOWANCE", "BoundedUploadHandler", "multipart_limit"]

#: Room in a multipart body beside the file: boundaries, part headers, the optional fields.
FORM_FIELDS_ALLOWANCE = 64 * 1024


def multipart_limit() -> int:
    """The largest multipart body read: one evidence file at its limit, plus the fields."""
    return settings.EVIDENCE_MAX_BYTES + FORM_FIELDS_ALLOWANCE


class BoundedUploadHandler(FileUploadHandler):
    """Refuses an oversized multipart body up front; passes every chunk on unchanged."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: bytes,
        encoding: str | None = None,
    ) -> None:
        limit = multipart_limit()
        if content_length > limit:
            raise RequestDataTooBig(
                f"a multipart body of {content_length} bytes is larger than the {limit} "
                f"accepted (EVIDENCE_MAX_BYTES {settings.EVIDENCE_MAX_BYTES} plus the form "
                "fields)"
            )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
