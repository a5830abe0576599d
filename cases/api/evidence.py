"""Document evidence over the API (SPEC §5a): upload a version, list them, stream one, and read
who opened which.

Thin: the evidence services store, sniff, limit, version and log; this module turns HTTP into
their commands and their answers into HTTP. The bytes never pass through memory whole: an
upload is spooled by Django's upload handlers (casemgmt_project/uploads.py) and streamed to
storage by the service; a download is streamed from storage a block at a time.
"""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Header, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from cases.api.auth import needs, principal_of
from cases.api.downloads import bounded_chunks, evidence_response
from cases.api.openapi import errors
from cases.api.pagination import PageParams, paginate
from cases.api.params import (
    EvidenceVersion,
    IdempotencyKey,
    RequirementId,
    current_trace_id,
    request_id_for,
)
from cases.api.ranges import requested_range
from cases.api.schemas import (
    EvidenceAccessPageOut,
    EvidenceFileOut,
    EvidenceFilePageOut,
    EvidenceUploadIn,
)
from cases.evidence.commands import UploadEvidence
from cases.evidence.services import open_evidence, upload_evidence
from cases.models import EvidenceAction
from cases.selectors import evidence as evidence_selectors

__all__ = ["router"]

router = Router(tags=["evidence"])

VIEW = "cases.view_evidencefile"


def _binary(kind: str) -> dict[str, Any]:
    return {"schema": {"type": "string", "format": "binary"}}


def _header(description: str, **schema: Any) -> dict[str, Any]:
    return {"required": True, "description": description, "schema": {"type": "string", **schema}}


_FILE_HEADERS = {
    "Content-Disposition": _header("`attachment` (default) or `inline`, with the file's name."),
    "Accept-Ranges": _header("Ranges are served in bytes.", enum=["bytes"]),
    "ETag": _header("The file's SHA-256, quoted; a version's bytes never change."),
    "Cache-Control": _header("Never cached: identity documents.", enum=["private, no-store"]),
    "X-Content-Type-Options": _header("The detected type is final.", enum=["nosniff"]),
}


def _file_responses() -> dict[int, Any]:
    content = {kind: _binary(kind) for kind in settings.EVIDENCE_ALLOWED_TYPES}
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
        416: {
            "headers": {"Content-Range": _header("`bytes */size`.", pattern=r"^bytes \*/\d+$")}
        },
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
    request_id = request_id_for(request, idempotency_key) if idempotency_key else None
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
        )
    )
    return 201, stored


@router.get(
    "/{requirement_id}/files",
    response={200: EvidenceFilePageOut, **errors(400, 401, 403, 404, 422)},
    summary="Versions of a requirement's evidence",
    description="Newest first, metadata only (the bytes: `.../files/{version}`); listing is "
    "not logged as an access. Needs `cases.view_evidencefile`.",
    auth=needs(VIEW),
)
def list_files(request: HttpRequest, requirement_id: RequirementId, page: Query[PageParams]):
    return paginate(evidence_selectors.list_versions(requirement_id), page)


@router.get(
    "/{requirement_id}/files/access-log",
    response={200: EvidenceAccessPageOut, **errors(400, 401, 403, 404, 422)},
    summary="Who opened which version of a requirement's evidence, and when",
    description="Newest first: every download and preview, with the user, the version and the "
    "bytes served. Needs `cases.view_evidencefile` and `cases.view_evidenceaccess`.",
    auth=needs(VIEW, "cases.view_evidenceaccess"),
)
def list_accesses(request: HttpRequest, requirement_id: RequirementId, page: Query[PageParams]):
    return paginate(evidence_selectors.list_accesses(requirement_id), page)


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


@router.get(
    "/{requirement_id}/files/{version}",
    response={**errors(401, 403, 404, 416, 422)},
    summary="Download one version's bytes (streamed, Range)",
    description="The bytes as uploaded, with the detected Content-Type. Every call is logged "
    "(user, version, range) before a byte is sent. 404 for an unknown version or one whose "
    "bytes retention removed. Needs `cases.view_evidencefile`.",
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
    evidence = evidence_selectors.get_version(requirement_id, version)
    served = requested_range(range_header, evidence.size)  # RangeNotSatisfiable: 416
    action = EvidenceAction.PREVIEW if params.disposition == "inline" else EvidenceAction.DOWNLOAD
    opened = open_evidence(
        requirement_id,
        version,
        principal_of(request).actor,
        action,
        byte_range=(served.start, served.end) if served else None,
        request_id=current_trace_id(),
    )
    return evidence_response(
        chunks=bounded_chunks(opened.stream, opened.length),
        size=opened.file.size,
        served=served,
        content_type=opened.file.content_type,
        original_name=opened.file.original_name or f"version-{version}",
        sha256=opened.file.sha256,
        disposition=params.disposition,
    )
