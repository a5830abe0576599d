"""Client: one row per upstream client_id, projected from its cases' events (SPEC §3b)."""

from django.db import models


class Client(models.Model):
    """Who the client is and which of its cases is open; rebuilt from the event store.

    `cases` maps each case id to {status, version, created_at}: the open case and the ordered
    case ids are computed from it, so the result does not depend on the order in which the
    streams of the client's cases are replayed.
    """

    id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    client_id = models.CharField(max_length=200, unique=True)
    display_name = models.CharField(max_length=401, blank=True, default="")
    traitement_type = models.CharField(max_length=3)
    open_case_id = models.UUIDField(null=True, blank=True)
    has_open_case = models.BooleanField(default=False)
    case_ids = models.JSONField(default=list, blank=True, help_text="Oldest first")
    cases = models.JSONField(default=dict, blank=True, help_text="{case_id: {status, ...}}")
    first_seen = models.DateTimeField()
    last_event_at = models.DateTimeField()
    named_by = models.CharField(
        max_length=80, blank=True, default="", help_text="Time and event the name came from"
    )
    # --- Risk (SPEC §3d): the level of the client's latest rated case, and every change ---
    risk_level = models.CharField(max_length=16, null=True, blank=True)
    risk_history = models.JSONField(
        default=list, blank=True, help_text="[{at, case_id, old, new, reason}, ...], newest last"
    )

    # --- Periodic review (SPEC §3d), from ReviewScheduled and ReviewCaseOpened ---
    next_review_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next periodic review is due; none while one runs"
    )
    scheduled_review_at = models.DateTimeField(
        null=True, blank=True, help_text="The date the last approval set"
    )
    review_level = models.CharField(
        max_length=16, blank=True, default="", help_text="Risk level that set the cadence"
    )
    review_cadence_months = models.IntegerField(null=True, blank=True)
    reviewed_case_id = models.UUIDField(
        null=True, blank=True, help_text="The approved case the schedule came from"
    )
    scheduled_by = models.CharField(
        max_length=80, blank=True, default="", help_text="Time and event of the last schedule"
    )
    review_due_at = models.DateTimeField(
        null=True, blank=True, help_text="Due date of the last review case opened"
    )
    last_review_case_id = models.UUIDField(null=True, blank=True)

    class Meta:
        db_table = "clients"
        ordering = ["client_id"]
        indexes = [
            models.Index(fields=["traitement_type", "client_id"], name="client_traitement"),
            models.Index(fields=["has_open_case", "client_id"], name="client_open"),
            models.Index(fields=["-last_event_at", "client_id"], name="client_recent"),
            # The due check: clients without an open case whose date has passed.
            models.Index(fields=["has_open_case", "next_review_at"], name="client_review_due"),
            # `review_due_before` and its ordering.
            models.Index(fields=["next_review_at", "client_id"], name="client_next_review"),
            models.Index(fields=["risk_level", "client_id"], name="client_risk"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} ({self.display_name})"
