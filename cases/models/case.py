"""Case: the unit of work a compliance analyst reviews."""

from django.db import models


class CaseStatus(models.TextChoices):
    OPEN = "OPEN"
    IN_REVIEW = "IN_REVIEW"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CLOSED = "CLOSED"


class Case(models.Model):
    id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    client_id = models.CharField(max_length=200)
    case_type = models.CharField(max_length=200)
    schema_version = models.CharField(max_length=16)
    traitement_type = models.CharField(max_length=3, choices=[("KYC", "KYC"), ("KYB", "KYB")])
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    company = models.ForeignKey(
        "cases.Company", on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    version = models.IntegerField(default=0, help_text="Version of the case aggregate")
    source_raw_event_id = models.UUIDField(null=True, blank=True)
    client_source = models.CharField(
        max_length=300, blank=True, default="", help_text="Input of the last client update (§3b)"
    )
    notes = models.JSONField(default=list, blank=True, help_text="[{author, at, text}, ...]")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    # --- Analyst workflow (SPEC §3a); every value comes from an event, so rebuilds match ---
    assignee = models.CharField(max_length=150, null=True, blank=True, help_text="Username")
    assigned_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, help_text="From the SlaRule at creation")
    overdue_at = models.DateTimeField(
        null=True, blank=True, help_text="When CaseBecameOverdue was recorded (once per case)"
    )
    pending_decision = models.JSONField(
        null=True,
        blank=True,
        help_text="{decision, rationale, proposed_by, proposed_at, approval_group} while pending",
    )
    # Flat copies of two pending_decision keys, so "awaiting my approval" filters on an index.
    approval_group = models.CharField(max_length=150, null=True, blank=True)
    proposed_by = models.CharField(max_length=150, null=True, blank=True)

    # --- Screening (SPEC §3c), from the case's screening events ---
    screening_pending = models.IntegerField(
        default=0, help_text="Screening requests the worker has not finished"
    )
    open_hits = models.IntegerField(default=0, help_text="Hits not yet resolved")
    confirmed_hit_topics = models.JSONField(
        default=list, blank=True, help_text="Topics of confirmed matches (sanction, role.pep...)"
    )

    # --- Risk rating (SPEC §3d), from RiskAssessed and the override events ---
    upstream_case_type = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="Case type of the last record (not raised)",
    )
    risk_level = models.CharField(
        max_length=16, null=True, blank=True, help_text="LOW | MEDIUM | HIGH | PROHIBITED"
    )
    risk_score = models.IntegerField(null=True, blank=True)
    risk_factors = models.JSONField(
        default=list, blank=True, help_text="[{factor, detail, points}, ...] of the last rating"
    )
    risk_model_version = models.IntegerField(null=True, blank=True)
    risk_assessed_at = models.DateTimeField(null=True, blank=True)
    risk_override = models.JSONField(
        null=True,
        blank=True,
        help_text="Pending override {level, rationale, proposed_by, proposed_at}",
    )
    risk_overridden = models.JSONField(
        null=True,
        blank=True,
        help_text="Approved override {level, rationale, proposed_by, approved_by}",
    )

    class Meta:
        db_table = "cases"
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["-created_at", "id"], name="case_created"),
            models.Index(fields=["client_id", "-created_at"], name="case_client"),
            models.Index(fields=["status", "-created_at"], name="case_status"),
            models.Index(fields=["traitement_type", "-created_at"], name="case_traitement"),
            models.Index(fields=["case_type", "-created_at"], name="case_type"),
            models.Index(fields=["assignee", "status", "-created_at"], name="case_assignee"),
            models.Index(fields=["status", "assignee", "created_at"], name="case_claim_queue"),
            models.Index(fields=["due_at"], name="case_due"),
            models.Index(fields=["approval_group", "-created_at"], name="case_awaiting"),
            models.Index(fields=["risk_level", "-created_at"], name="case_risk"),
        ]

    def __str__(self) -> str:
        return f"{self.traitement_type} {self.case_type} for {self.client_id}"
