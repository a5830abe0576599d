"""The risk model (SPEC §3d): versioned data that turns a case's facts into a risk level.

A version is never changed in place: an edit in the admin saves a new row with the next
version number and makes it current, so every rating names the exact model it used.
"""

from django.db import models


class RiskLevel(models.TextChoices):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    PROHIBITED = "PROHIBITED"


class RiskModel(models.Model):
    """One immutable version of the risk model's weights, thresholds and lists."""

    version = models.IntegerField(unique=True)
    name = models.CharField(max_length=200)
    created_by = models.CharField(max_length=150, default="system")
    created_at = models.DateTimeField()
    is_current = models.BooleanField(default=False)
    factors = models.JSONField(
        default=dict, help_text="Points per factor, e.g. {'country_high': 30, 'pep': 40}"
    )
    thresholds = models.JSONField(
        default=dict,
        help_text="Lowest score of each level: {MEDIUM: 20, HIGH: 50, PROHIBITED: 100}",
    )
    country_lists = models.JSONField(
        default=dict,
        help_text="ISO 3166-1 alpha-2 codes: {medium: [...], high: [...], prohibited: [...]}",
    )
    sector_risk = models.JSONField(
        default=dict, help_text="Sector (lower case) → MEDIUM | HIGH | PROHIBITED"
    )
    case_type_risk = models.JSONField(default=dict, help_text="Upstream case type → MEDIUM | HIGH")

    class Meta:
        db_table = "risk_models"
        ordering = ["-version"]
        indexes = [models.Index(fields=["is_current", "-version"], name="riskmodel_current")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
