"""Document evidence over the API (SPEC §5a): upload a version, list them, stream one, and read
who opened which.

Thin: the evidence services store, sniff, limit, version and log; this module turns HTTP into
their commands and their answers into HTTP. The bytes never pass through memory whole: an
upload is spooled by Django's upload handlers (casemgmt_project/uploads.py) and streamed to
storage by the service; a download is streamed from storage a block at a time.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from cases import selectors
from cases.api.auth import needs, principal_of
from cases.api.downloads import evidence_head_response, evidence_response
from cases.api.openapi import errors
from cases.api.pagination import PageParams, paginate
from cases.api.params import (
    EvidenceVersion,
    IdempotencyKey,
    RequirementId,
    current_trace_id,
    multipart_digest,
    request_id_for,
)
from cases.api.schemas import (
    EvidenceAccessPageOut,
    EvidenceFileOut,
    EvidenceFilePageOut,
    EvidenceUploadIn,
)
from cases.core.errors import InvalidCommand, RangeNotSatisfiable
from cases.evidence.commands import UploadEvidence
from cases.evidence.ranges import ByteRange
from cases.evidence.services import available_version, open_evidence, upload_evidence
from cases.models import EvidenceAction

__all__ = ["router"]

router = Router(tags=["evidence"])

VIEW = "cases.view_evidencefile"


_BINARY = {"schema": {"type": "string", "format": "binary"}}


def _header(description: str, **schema: Any) -> dict[str, Any]:
    return {"required": True, "description": description, "schema": {"type": "string", **schema}}


_FILE_HEADERS = {
    "Content-Disposition": _header("`attachment` (default) or `inline`, with the file's name."),
    "Accept-Ranges": _header("Ranges are served in bytes.", enum=["bytes"]),
    "ETag": _header("The file's SHA-256, quoted; a version's bytes never change."),
    "Cache-Control": _header("Never cached: identity documents.", enum=["private, no-store"]),
    "X-Content-Type-Options": _header("The detected type is final.", enum=["nosniff"]),
}


def _head_responses() -> dict[int, Any]:
    return {
        200: {
            "description": "The headers a GET of the whole file answers; no body.",
            "headers": _FILE_HEADERS,
        }
    }


def _file_responses() -> dict[int, Any]:
    content = dict.fromkeys(settings.EVIDENCE_ALLOWED_TYPES, _BINARY)
    return {
        200: {"description": "The whole file.", "headers": _FILE_HEADERS, "content": content},
        206: {
            "description": "The one byte range asked for.",
            "headers": {
                **_FILE_HEADERS,
                "Content-Range": _header("`bytes a-b/size`.", pattern=r"^bytes \d+-\d+/\d+$"),
            },
            "content": content,
        },
        416: {"headers": {"Content-Range": _header("`bytes */size`.", pattern=r"^bytes \*/\d+$")}},
    }


@router.post(
    "/{requirement_id}/files",
    response={201: EvidenceFileOut, **errors(401, 403, 404, 409, 413, 415, 422)},
    summary="Upload a file as the next version of a requirement's evidence",
    description="Multipart: the `file` part (PDF, JPEG, PNG, HEIC or TIFF as configured, "
    "detected from its bytes; the part's Content-Type is ignored) and optional `issued_on`, "
    "`expires_on`, `document_number`. 415 for another type, 413 above the size limit; nothing "
    "is stored then. The requirement moves AWAITING_UPLOAD or REJECTED → UPLOADED; an upload to "
    "an UPLOADED one adds a version; 409 for a verified or not-applicable one. With an "
    "`Idempotency-Key`, a retry answers the same version and stores nothing. Needs "
    "`cases.add_evidencefile`.",
    auth=needs("cases.add_evidencefile"),
)
def upload_file(
    request: HttpRequest,
    requirement_id: RequirementId,
    file: File[UploadedFile],
    details: Form[EvidenceUploadIn],
    idempotency_key: str | None = IdempotencyKey,
):
    principal = principal_of(request)
    request_id = (
        request_id_for(request, idempotency_key, multipart_digest) if idempotency_key else None
    )
    stored = upload_evidence(
        UploadEvidence(
            requirement_id=requirement_id,
            stream=file,
            original_name=file.name or "",
            declared_type=file.content_type or "",
            actor=principal.actor,
            issued_on=details.issued_on,
            expires_on=details.expires_on,
            document_number=details.document_number,
            idempotency_key=request_id,
            trace_id=current_trace_id(),
        )
    )
    return Status(201, stored)


@router.get(
    "/{requirement_id}/files",
    response={200: EvidenceFilePageOut, **errors(400, 401, 403, 404, 422)},
    summary="Versions of a requirement's evidence",
    description="Newest first, metadata only (the bytes: `.../files/{version}`); listing is "
    "not logged as an access. Needs `cases.view_evidencefile`.",
    auth=needs(VIEW),
)
def list_files(request: HttpRequest, requirement_id: RequirementId, page: Query[PageParams]):
    requirement = selectors.get_requirement(requirement_id)
    return paginate(selectors.list_evidence_versions(requirement.pk), page)


@router.get(
    "/{requirement_id}/files/access-log",
    response={200: EvidenceAccessPageOut, **errors(400, 401, 403, 404, 422)},
    summary="Who opened which version of a requirement's evidence, and when",
    description="Newest first: every download and preview, with the user, the version and the "
    "bytes served. Needs `cases.view_evidencefile` and `cases.view_evidenceaccess`.",
    auth=needs(VIEW, "cases.view_evidenceaccess"),
)
def list_accesses(request: HttpRequest, requirement_id: RequirementId, page: Query[PageParams]):
    requirement = selectors.get_requirement(requirement_id)
    return paginate(selectors.list_evidence_accesses(requirement.pk), page)


class DownloadParams(Schema):
    disposition: Literal["attachment", "inline"] = Field(
        "attachment",
        description="`inline` lets a browser show the file (the case page's preview); the "
        "access is then logged as PREVIEW rather than DOWNLOAD.",
    )


RangeHeader = Header(
    None,
    alias="Range",
    max_length=200,
    description="One byte range: `bytes=a-b`, `bytes=a-` or `bytes=-n` → 206. Several ranges "
    "or another unit are ignored (the whole file, 200); a malformed range, or one past the "
    "end, is a 416.",
)


def _asked_range(header: str | None, requirement_id: uuid.UUID, version: int) -> ByteRange | None:
    """The one range to pass to the service, or None for the whole file (RFC 9110 §14.2: a
    server may ignore a Range it does not serve; the whole file is always a right answer)."""
    if not header:
        return None
    unit, equals, ranges = header.partition("=")
    if unit.strip().lower() != "bytes" or not equals or "," in ranges:
        return None  # another unit, or several ranges
    try:
        return ByteRange.parse(header)
    except InvalidCommand as exc:  # a bytes range that is malformed: 416, sized
        row = available_version(requirement_id, version)  # 404 or 410 first: no Range matters
        raise RangeNotSatisfiable(row.size, f"{exc}; the file has {row.size} bytes") from None


@router.get(
    "/{requirement_id}/files/{version}",
    response={**errors(401, 403, 404, 410, 416, 422)},
    summary="Download one version's bytes (streamed, Range)",
    description="The bytes as uploaded, with the detected Content-Type, streamed. Every call "
    "is logged (user, version, bytes served) before a byte is sent. 404 for an unknown "
    "version, 410 for one whose bytes retention removed. Needs `cases.view_evidencefile`.",
    auth=needs(VIEW),
    openapi_extra={"responses": _file_responses()},
)
def download_file(
    request: HttpRequest,
    requirement_id: RequirementId,
    version: EvidenceVersion,
    params: Query[DownloadParams],
    range_header: str | None = RangeHeader,
) -> HttpResponse:
    asked = _asked_range(range_header, requirement_id, version)
    action = EvidenceAction.PREVIEW if params.disposition == "inline" else EvidenceAction.DOWNLOAD
    opened = open_evidence(
        requirement_id,
        version,
        principal_of(request).actor,
        action,
        byte_range=asked,
        request_id=current_trace_id(),
    )
    return evidence_response(opened, partial=asked is not None, disposition=params.disposition)


@router.api_operation(
    ["HEAD"],
    "/{requirement_id}/files/{version}",
    response={**errors(401, 403, 404, 410, 422)},
    summary="One version's download headers, without its bytes",
    description="The status and headers the GET of the whole file would answer (type, length, "
    "disposition, ETag), with no body; a Range is ignored. Not logged as an access: no byte "
    "of the file is served and it is not read from storage. Needs `cases.view_evidencefile`.",
    auth=needs(VIEW),
    openapi_extra={"responses": _head_responses()},
)
def file_headers(
    request: HttpRequest,
    requirement_id: RequirementId,
    version: EvidenceVersion,
    params: Query[DownloadParams],
) -> HttpResponse:
    row = available_version(requirement_id, version)
    return evidence_head_response(row, disposition=params.disposition)
