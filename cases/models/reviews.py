"""Periodic review configuration (SPEC §3d): how often a client is reviewed, per risk level.

Data that leads edit in the admin; the months in force when a case is approved fix that
client's next review date (`ReviewScheduled`), so an edit applies from the next approval on.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

__all__ = ["ReviewCadence"]


class ReviewCadence(models.Model):
    """Months between an approval and the client's next periodic review, for one risk level.

    The row `UNRATED` serves a client whose case carries no risk level (cases opened before
    the risk model existed): reviewed like a high-risk client until it is rated.
    """

    level = models.CharField(
        max_length=16, unique=True, help_text="LOW, MEDIUM, HIGH, or UNRATED (no level yet)"
    )
    months = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="Months from approval to the next review",
    )

    class Meta:
        db_table = "review_cadences"
        ordering = ["months", "level"]

    def __str__(self) -> str:
        return f"{self.level}: every {self.months} months"
