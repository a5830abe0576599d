"""Document evidence (SPEC §5a): the file versions behind a requirement, and who opened them.

`EvidenceFile` is a projection (of `DocumentFileUploaded` and `EvidenceFileDeleted`): the
requirement's projections write it and `rebuild_projections` recreates it, ids included.
`EvidenceAccess` is not: it is an append-only log written when a file is opened, like the raw
audit store, and a rebuild never drops it. The bytes live in storage (`STORAGES["evidence"]`,
GridFS by default), never here and never in an event.
"""

from django.db import models

__all__ = ["EvidenceAccess", "EvidenceAction", "EvidenceFile"]


class EvidenceAction(models.TextChoices):
    VIEW = "VIEW"
    DOWNLOAD = "DOWNLOAD"
    PREVIEW = "PREVIEW"


class EvidenceFile(models.Model):
    """One immutable version of a requirement's evidence: metadata only.

    The id derives from (requirement, version) (`cases.evidence.handlers.evidence_file_id`), so
    `_id` keeps (requirement, version) unique with a single-field key, as every other read model
    does on DocumentDB (docs/architecture.md, "Ids and idempotency").
    """

    id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    requirement = models.ForeignKey(
        "cases.DocumentRequirement", on_delete=models.CASCADE, related_name="evidence_files"
    )
    case_id = models.UUIDField()
    version = models.IntegerField(help_text="1, 2, 3 … per requirement")
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField(help_text="Bytes")
    content_type = models.CharField(max_length=100, help_text="Sniffed from the bytes")
    original_name = models.CharField(max_length=255, blank=True, default="")
    uploaded_by = models.CharField(max_length=200)
    uploaded_at = models.DateTimeField()
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    document_number = models.CharField(max_length=100, blank=True, default="")
    storage_name = models.CharField(max_length=255, help_text="The file's name in storage")
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_reason = models.TextField(blank=True, default="")
    deleted_by = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        db_table = "evidence_files"
        ordering = ["requirement_id", "-version"]
        indexes = [
            models.Index(fields=["requirement", "version"], name="evidence_requirement_version"),
            models.Index(fields=["expires_on"], name="evidence_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name or 'file'} v{self.version} ({self.content_type})"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class EvidenceAccess(models.Model):
    """One view, preview or download of an evidence version (SPEC §5a). Append-only: rows are
    only ever inserted (`cases.evidence.services.open_evidence`), before the bytes are served."""

    id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    file = models.ForeignKey(
        EvidenceFile, on_delete=models.DO_NOTHING, db_constraint=False, related_name="accesses"
    )
    requirement = models.ForeignKey(
        "cases.DocumentRequirement",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="evidence_accesses",
    )
    case_id = models.UUIDField()
    version = models.IntegerField()
    user = models.CharField(max_length=200, help_text="USER:<name> or TOKEN:<name>")
    at = models.DateTimeField()
    action = models.CharField(max_length=16, choices=EvidenceAction.choices)
    range = models.CharField(
        max_length=64, blank=True, default="", help_text="bytes a-b served, empty: whole file"
    )
    request_id = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        db_table = "evidence_accesses"
        ordering = ["-at"]
        indexes = [models.Index(fields=["requirement", "-at"], name="evidence_access_recent")]

    def __str__(self) -> str:
        return f"{self.user} {self.action} v{self.version} at {self.at:%Y-%m-%d %H:%M:%S}"
