"""Evidence actions on the case page: upload a file, and serve one version's bytes.

Thin by design: the upload binds one form and calls `upload_evidence`; the file view calls
`open_evidence` (which records the access before returning) and streams what it returns. The
permission checks are here, on the server, whatever the page offered.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponseGone,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.template.defaultfilters import filesizeformat
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from cases.admin.case_actions import DOMAIN_ERRORS, STALE, _actor, _back, _form_errors, _require
from cases.admin.evidence.forms import EvidenceUploadForm
from cases.admin.evidence.panel import ADD_PERMISSION, PDF, VIEW_PERMISSION
from cases.core.errors import (
    ConcurrencyConflict,
    EvidenceDeleted,
    EvidenceTooLarge,
    UnsupportedEvidenceType,
    VersionConflict,
)
from cases.evidence import services as evidence
from cases.evidence.commands import UploadEvidence
from cases.models import DocumentRequirement
from cases.selectors import get_case, get_requirement

__all__ = ["evidence_file_view", "refuse_oversized_upload", "upload_evidence_view"]

# `?as=` → (access action recorded, Content-Disposition type)
MODES = {
    "preview": ("PREVIEW", "inline"),
    "view": ("VIEW", "inline"),
    "download": ("DOWNLOAD", "attachment"),
}
# A PDF opened inline runs in the browser's viewer: sandboxed, it can run no script of ours
# and reach nothing. Other types get no content at all beyond themselves.
PDF_POLICY = "sandbox"
OTHER_POLICY = "default-src 'none'; sandbox"


def _requirement_of_case(object_id: str, requirement_id: str) -> DocumentRequirement:
    requirement = get_requirement(requirement_id)
    if requirement.case_id != get_case(object_id).pk:
        raise Http404("this requirement belongs to another case")
    return requirement


@require_POST
def upload_evidence_view(
    request: HttpRequest, object_id: str, requirement_id: str
) -> HttpResponseRedirect:
    _require(request, ADD_PERMISSION)
    requirement = _requirement_of_case(object_id, requirement_id)
    anchor = f"req-{requirement.pk}"
    form = EvidenceUploadForm(request.POST, request.FILES, prefix=f"upload-{requirement.pk}")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(requirement.case_id, anchor)
    data = form.cleaned_data
    upload = data["file"]
    try:
        stored = evidence.upload_evidence(
            UploadEvidence(
                requirement_id=requirement.pk,
                stream=upload,
                original_name=upload.name,
                declared_type=upload.content_type or "",
                actor=_actor(request),
                issued_on=data["issued_on"],
                expires_on=data["expires_on"],
                document_number=data["document_number"] or None,
                idempotency_key=data["request_id"],
            )
        )
    except (UnsupportedEvidenceType, EvidenceTooLarge) as exc:
        messages.error(request, f"Upload refused, nothing stored: {exc}")
    except (VersionConflict, ConcurrencyConflict):
        messages.error(request, STALE)
    except DOMAIN_ERRORS as exc:
        messages.error(request, f"Upload refused: {exc}")
    else:
        messages.success(
            request,
            f"{requirement.document_type}: {stored.original_name} stored as version "
            f"{stored.version} ({stored.content_type}, {stored.size} bytes).",
        )
    return _back(requirement.case_id, anchor)


def refuse_oversized_upload(
    request: HttpRequest, object_id: str, requirement_id: str
) -> HttpResponseRedirect:
    """The answer to an upload whose body the upload handler refused unread (too large).

    Called by the project's 400 handler, not routed: Django raised the refusal while parsing
    the body (the CSRF check reads it first), so no view ran, nothing was read and nothing
    stored. The analyst is sent back to the requirement with the reason, as for a file the
    service refuses; the case page itself checks who may see it.
    """
    limit = filesizeformat(settings.EVIDENCE_MAX_BYTES)
    messages.error(
        request, f"Upload refused, nothing stored: the file is larger than {limit}, the limit."
    )
    return _back(object_id, f"req-{requirement_id}")


@require_GET
@xframe_options_sameorigin  # the case page embeds the preview; no other site may
def evidence_file_view(
    request: HttpRequest, object_id: str, requirement_id: str, version: int
) -> HttpResponseBase:
    _require(request, VIEW_PERMISSION)
    requirement = _requirement_of_case(object_id, requirement_id)
    action, disposition = MODES.get(request.GET.get("as", "preview"), MODES["preview"])
    try:
        opened = evidence.open_evidence(requirement.pk, version, _actor(request), action)
    except EvidenceDeleted as exc:  # no link leads here; a bookmarked URL might
        return HttpResponseGone(f"{exc}\n", content_type="text/plain; charset=utf-8")
    file = opened.file
    response = StreamingHttpResponse(opened.chunks(), content_type=file.content_type)
    response["Content-Length"] = str(opened.length)
    response["Content-Disposition"] = content_disposition_header(
        disposition == "attachment", file.original_name or f"version-{file.version}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PDF_POLICY if file.content_type == PDF else OTHER_POLICY
    response["Cache-Control"] = "private, no-store"
    return response
