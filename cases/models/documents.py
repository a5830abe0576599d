"""Documents a party still owes (DocumentRequirement) and the rules that decide them."""

from django.db import models


class EntityType(models.TextChoices):
    PERSON = "PERSON"
    COMPANY = "COMPANY"


class DocumentStatus(models.TextChoices):
    AWAITING_UPLOAD = "AWAITING_UPLOAD"
    UPLOADED = "UPLOADED"
    VERIFIED_SYSTEM = "VERIFIED_SYSTEM"
    VERIFIED_MANUAL = "VERIFIED_MANUAL"
    REJECTED = "REJECTED"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class DocumentRule(models.Model):
    """Configuration row: which document a party of a given case must provide."""

    traitement_type = models.CharField(max_length=3, help_text="KYC or KYB")
    entity_type = models.CharField(max_length=16, choices=EntityType.choices)
    case_type = models.CharField(
        max_length=200, blank=True, default="", help_text="Empty matches any case type"
    )
    document_type = models.CharField(max_length=100)
    is_required = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "document_rules"
        ordering = ["traitement_type", "entity_type", "case_type", "document_type"]
        indexes = [
            models.Index(fields=["traitement_type", "entity_type"], name="docrule_lookup"),
        ]

    def __str__(self) -> str:
        scope = self.case_type or "any case type"
        return f"{self.traitement_type}/{self.entity_type}/{scope}: {self.document_type}"


class DocumentRequirement(models.Model):
    """What one party of a case owes; one per (case, party, document type).

    The id is derived from exactly that triple (cases.handlers.requirement_id_for), so `_id`
    refuses a second requirement for it. A compound unique index on the triple said it again,
    and on DocumentDB (FerretDB v2) made every insert slower as the store grew.
    """

    id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="document_requirements"
    )
    entity_type = models.CharField(max_length=16, choices=EntityType.choices)
    entity_id = models.UUIDField()
    document_type = models.CharField(max_length=100)
    is_required = models.BooleanField(default=True)
    status = models.CharField(
        max_length=32, choices=DocumentStatus.choices, default=DocumentStatus.AWAITING_UPLOAD
    )
    metadata = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=list, blank=True, help_text="[{author, at, text}, ...]")
    history = models.JSONField(default=list, blank=True, help_text="Status changes, oldest first")
    version = models.IntegerField(default=0)
    # Document evidence (SPEC §5a): the latest uploaded file version, and the expiry date of
    # the version a VERIFIED_* decision named (the expiry check reads it).
    current_file_version = models.IntegerField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "document_requirements"
        ordering = ["case_id", "entity_type", "entity_id", "document_type"]
        indexes = [
            models.Index(fields=["case", "entity_type", "entity_id"], name="req_case_entity"),
            models.Index(fields=["entity_id"], name="req_entity"),
            models.Index(fields=["status", "-updated_at"], name="req_status"),
            models.Index(fields=["status", "expires_on"], name="req_status_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.document_type} ({self.status})"
