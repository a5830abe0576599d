"""Each requirement's evidence on the case page: the current file inline, earlier versions,
the upload form and who looked at which version (SPEC §5a).

Reads go through the evidence services; the bytes are never read here. The page only builds
links to `evidence_file_view`, which logs every access, so what the access log shows is what
the browser actually fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from cases.admin.evidence.forms import EvidenceUploadForm
from cases.evidence import services as evidence
from cases.models import DocumentRequirement, EvidenceAccess, EvidenceFile

__all__ = [
    "ACCESS_LOG_ROWS",
    "ADD_PERMISSION",
    "LOG_PERMISSION",
    "VIEW_PERMISSION",
    "EvidenceRights",
    "FileVersion",
    "RequirementEvidence",
    "decidable_versions",
    "requirement_evidence",
]

VIEW_PERMISSION = "cases.view_evidencefile"
ADD_PERMISSION = "cases.add_evidencefile"
LOG_PERMISSION = "cases.view_evidenceaccess"
ACCESS_LOG_ROWS = 20
# What a browser draws by itself; HEIC and TIFF are offered as a download instead.
INLINE_IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
PDF = "application/pdf"
UPLOAD_STATUSES = frozenset({"AWAITING_UPLOAD", "REJECTED", "UPLOADED"})


@dataclass(frozen=True)
class EvidenceRights:
    """What this user may do with files; the views check the same permissions again."""

    view: bool = False
    upload: bool = False
    read_log: bool = False

    @classmethod
    def of(cls, user) -> EvidenceRights:
        return cls(
            view=user.has_perm(VIEW_PERMISSION),
            upload=user.has_perm(ADD_PERMISSION),
            read_log=user.has_perm(LOG_PERMISSION),
        )


@dataclass(frozen=True)
class FileVersion:
    file: EvidenceFile
    preview_url: str  # inline, logged as PREVIEW (the case page's <img>/<object>)
    view_url: str  # inline in its own tab, logged as VIEW
    download_url: str  # attachment, logged as DOWNLOAD

    @property
    def preview_kind(self) -> str:
        """ "image", "pdf" or "" (no inline preview: deleted, or a type browsers do not draw)."""
        if self.file.deleted_at is not None:
            return ""
        if self.file.content_type in INLINE_IMAGE_TYPES:
            return "image"
        return "pdf" if self.file.content_type == PDF else ""


@dataclass(frozen=True)
class RequirementEvidence:
    current: FileVersion | None
    earlier: list[FileVersion] = field(default_factory=list)
    accesses: list[EvidenceAccess] | None = None  # None: the user may not read the log
    upload_form: EvidenceUploadForm | None = None
    upload_note: str = ""  # why no upload form is offered
    decidable: tuple[int, ...] = ()  # versions a decision may name, newest first


def _file_version(case_id, file: EvidenceFile) -> FileVersion:
    url = reverse(
        "admin:cases_case_evidence_file",
        args=[str(case_id), str(file.requirement_id), file.version],
    )
    return FileVersion(file, f"{url}?as=preview", f"{url}?as=view", f"{url}?as=download")


def _versions(requirement: DocumentRequirement) -> list[EvidenceFile]:
    """Newest first; no query for a requirement that never had a file."""
    if requirement.current_file_version is None:
        return []
    return evidence.list_versions(requirement.pk)


def _decidable(requirement: DocumentRequirement, files: list[EvidenceFile]) -> tuple[int, ...]:
    if requirement.status != "UPLOADED":  # only the decisions on an upload name a version
        return ()
    return tuple(f.version for f in files if f.deleted_at is None)


def decidable_versions(requirement: DocumentRequirement) -> tuple[int, ...]:
    """The versions a decision may name (files not deleted), newest first."""
    if requirement.status != "UPLOADED":
        return ()
    return _decidable(requirement, _versions(requirement))


def _upload(
    requirement: DocumentRequirement, can_upload: bool
) -> tuple[EvidenceUploadForm | None, str]:
    if requirement.status not in UPLOAD_STATUSES:
        return None, f"{requirement.status} is final: no further uploads."
    if not can_upload:
        return None, f"You may not upload files (needs {ADD_PERMISSION})."
    return EvidenceUploadForm(prefix=f"upload-{requirement.pk}"), ""


def requirement_evidence(
    requirement: DocumentRequirement, rights: EvidenceRights
) -> RequirementEvidence | None:
    """The evidence block of one requirement; None for a user who may not view files."""
    if not rights.view:
        return None
    files = _versions(requirement)
    versions = [_file_version(requirement.case_id, f) for f in files]
    current_number = requirement.current_file_version
    current = next((v for v in versions if v.file.version == current_number), None)
    upload_form, upload_note = _upload(requirement, rights.upload)
    return RequirementEvidence(
        current=current,
        earlier=[v for v in versions if v is not current],
        accesses=(
            evidence.access_log(requirement.pk, limit=ACCESS_LOG_ROWS)
            if versions and rights.read_log
            else None
        ),
        upload_form=upload_form,
        upload_note=upload_note,
        decidable=_decidable(requirement, files),
    )
