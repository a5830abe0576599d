"""Screening read models (SPEC §3c): requests waiting for the worker, each party's latest
screening per list, and the hits analysts resolve.

Projections of the Case aggregate's screening events (`cases.screening.projections`), folded
from the case's screening history, so `rebuild_projections` reproduces them; `version` is the
case version of the last screening event folded into the document.
"""

from django.db import models

__all__ = ["HitStatus", "PartyScreening", "ScreeningHit", "ScreeningRequest"]


class ScreeningRequest(models.Model):
    """One screening to run (all of a case's parties, some of them, or a list's delta)."""

    id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    case_id = models.UUIDField()
    reason = models.CharField(max_length=32)
    parties = models.JSONField(default=list, help_text="[{party_type, party_id}, ...]")
    delta_dataset = models.CharField(max_length=200, blank=True, default="")
    delta_version = models.CharField(max_length=200, blank=True, default="")
    requested_by = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(
        max_length=16, default="PENDING", help_text="PENDING, DONE, CANCELLED"
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True, default="")
    version = models.IntegerField(default=0)

    class Meta:
        db_table = "screening_requests"
        ordering = ["requested_at", "id"]
        indexes = [
            # The worker's queue: the oldest pending requests first.
            models.Index(fields=["status", "requested_at"], name="screenreq_queue"),
            models.Index(fields=["case_id", "requested_at"], name="screenreq_case"),
        ]

    def __str__(self) -> str:
        return f"screening {self.reason} of case {self.case_id} ({self.status})"


class _PartyAgainstList(models.Model):
    """What a screening result is about: one party of a case, one list version."""

    id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    case_id = models.UUIDField()
    party_type = models.CharField(max_length=16)
    party_id = models.UUIDField()
    dataset = models.CharField(max_length=200)
    list_version = models.CharField(max_length=200)

    class Meta:
        abstract = True


class PartyScreening(_PartyAgainstList):
    """The latest screening of one party of a case against one list."""

    algorithm = models.CharField(max_length=100)
    algorithm_version = models.CharField(max_length=100, blank=True, default="")
    threshold = models.FloatField()
    scope = models.CharField(max_length=16, help_text="full, or delta (a new list version only)")
    hit_count = models.IntegerField(default=0)
    screened_at = models.DateTimeField()
    request_id = models.UUIDField()
    version = models.IntegerField(default=0)

    class Meta:
        db_table = "party_screenings"
        ordering = ["case_id", "party_id", "dataset"]
        indexes = [models.Index(fields=["case_id", "party_id"], name="partyscreen_case")]

    def __str__(self) -> str:
        return f"{self.party_type} {self.party_id} against {self.dataset} {self.list_version}"


class HitStatus(models.TextChoices):
    OPEN = "OPEN"
    MATCH_PROPOSED = "MATCH_PROPOSED"
    FALSE_POSITIVE = "FALSE_POSITIVE"
    TRUE_MATCH = "TRUE_MATCH"


class ScreeningHit(_PartyAgainstList):
    """A list entity that matched a party; its id derives from (case, party, dataset, entity)."""

    entity_id = models.CharField(max_length=300)
    entity_hash = models.CharField(max_length=128)
    schema = models.CharField(max_length=64)
    caption = models.CharField(max_length=500)
    names = models.JSONField(default=list)
    birth_dates = models.JSONField(default=list)
    countries = models.JSONField(default=list)
    topics = models.JSONField(default=list)
    score = models.FloatField()
    features = models.JSONField(default=dict)
    algorithm = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=HitStatus.choices, default=HitStatus.OPEN)
    resolution = models.JSONField(
        null=True, blank=True, help_text="{resolution, rationale, by, at, proposed_by, ...}"
    )
    raised_at = models.DateTimeField()
    screened_at = models.DateTimeField()
    version = models.IntegerField(default=0)

    class Meta:
        db_table = "screening_hits"
        ordering = ["case_id", "-score", "id"]
        indexes = [
            # "Unresolved hits" of a case (the decision guard) and the queue across cases.
            models.Index(fields=["case_id", "status"], name="screenhit_case_status"),
            models.Index(fields=["status", "raised_at"], name="screenhit_status"),
        ]
        permissions = [("resolve_screeninghit", "Can resolve screening hits")]

    def __str__(self) -> str:
        return f"{self.caption} ({self.dataset}) for {self.party_type} {self.party_id}"
