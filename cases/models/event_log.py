"""StoredEvent: the append-only event store that every read model can be rebuilt from."""

import uuid

from django.db import models

# Wide enough for any IntegerField version, so keys of one stream sort in version order.
VERSION_DIGITS = 10


def stream_key(aggregate_id: uuid.UUID, version: int) -> str:
    """The one-field form of (aggregate, version): "<aggregate id hex>:<version, zero-padded>".

    Its unique index is the optimistic lock. A compound unique index would say the same, but
    on DocumentDB (FerretDB v2) each insert into one costs more the more documents it holds;
    a single-field unique index stays flat (docs/performance.md).
    """
    return f"{aggregate_id.hex}:{version:0{VERSION_DIGITS}d}"


class StoredEvent(models.Model):
    """A domain event; (aggregate_id, version) is unique through `stream_key`, which gives
    optimistic concurrency."""

    event_id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    event_type = models.CharField(max_length=64)
    aggregate_type = models.CharField(max_length=32)
    aggregate_id = models.UUIDField()
    version = models.IntegerField()
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    payload = models.JSONField(default=dict)
    metadata = models.JSONField(default=dict)
    # Ties the events of one command together and orders them, for timelines and rebuilds.
    correlation_id = models.CharField(max_length=64)
    sequence = models.IntegerField(help_text="Position of the event within its command")
    # The case an event belongs to, whatever its aggregate (company, requirement, notification):
    # the case timeline is one indexed query instead of one per aggregate.
    case_id = models.UUIDField(null=True, blank=True)
    # stream_key(aggregate_id, version), set by cases.event_store.to_stored.
    stream_key = models.CharField(max_length=48, editable=False)

    class Meta:
        db_table = "event_store"
        ordering = ["recorded_at", "correlation_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["stream_key"], name="uniq_event_stream_key"),
        ]
        indexes = [
            # Reads of streams (current version, claims, rebuild order); not unique, see above.
            models.Index(fields=["aggregate_id", "version"], name="event_stream"),
            models.Index(fields=["correlation_id", "sequence"], name="event_correlation"),
            models.Index(
                fields=["recorded_at", "correlation_id", "sequence"], name="event_global_order"
            ),
            models.Index(fields=["event_type"], name="event_type"),
            models.Index(
                fields=["case_id", "recorded_at", "correlation_id", "sequence"],
                name="event_case_timeline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_type}:{self.aggregate_id} v{self.version}"


class EventCommit(models.Model):
    """The commit point of one command's events: readers see a command's events only with it.

    One document is the only thing FerretDB (no transactions) writes atomically, so a command
    whose events were inserted but which conflicted, or crashed before this marker, stays
    invisible as a whole. `aborted` marks a claim to delete an abandoned command's events;
    commit and claim race on the primary key, so exactly one of them wins.
    """

    command_id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    causation_id = models.CharField(max_length=300)
    committed_at = models.DateTimeField()
    aborted = models.BooleanField(default=False)

    class Meta:
        db_table = "event_commits"

    def __str__(self) -> str:
        return f"{'aborted' if self.aborted else 'committed'} {self.causation_id}"
