"""Case: the unit of work a compliance analyst reviews."""

from django.db import models


class CaseStatus(models.TextChoices):
    OPEN = "OPEN"
    IN_REVIEW = "IN_REVIEW"
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

    class Meta:
        db_table = "cases"
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["-created_at", "id"], name="case_created"),
            models.Index(fields=["client_id", "-created_at"], name="case_client"),
            models.Index(fields=["status", "-created_at"], name="case_status"),
            models.Index(fields=["traitement_type", "-created_at"], name="case_traitement"),
            models.Index(fields=["case_type", "-created_at"], name="case_type"),
        ]

    def __str__(self) -> str:
        return f"{self.traitement_type} {self.case_type} for {self.client_id}"
