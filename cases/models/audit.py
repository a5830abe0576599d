"""RawEvent: the audit copy of every consumed Kafka record, written before its offset commits.

A record over ``RAW_PAYLOAD_INLINE_MAX_BYTES`` keeps its bytes in a RawPayload beside the row
(encoding ``external``): the audit rows are read and updated on the hot path, and a few
hostile megabytes in them would make every list, status update and replay carry that weight.
"""

from django.db import models


class RawEventStatus(models.TextChoices):
    RECEIVED = "RECEIVED"
    PROCESSED = "PROCESSED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"


class RawEvent(models.Model):
    """One Kafka record exactly as received; its id is derived from (topic, partition, offset).

    That derived primary key is what makes a position unique: a record stored twice is refused
    by `_id`. A compound unique index on the position said it again, and on DocumentDB
    (FerretDB v2) made every insert slower as the store grew (docs/performance.md).
    """

    id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    topic = models.CharField(max_length=249)
    partition = models.IntegerField()
    offset = models.BigIntegerField()
    timestamp = models.DateTimeField(null=True, blank=True, help_text="Broker/producer timestamp")
    key = models.CharField(max_length=1024, null=True, blank=True)
    headers = models.JSONField(
        default=list, blank=True, help_text='[{"key": name, "value": text or "base64:..."}, ...]'
    )
    payload = models.JSONField(null=True, blank=True, help_text="Parsed JSON, or base64 bytes")
    payload_encoding = models.CharField(
        max_length=8, default="json", help_text="json, base64, none, or external (a RawPayload)"
    )
    client_id = models.CharField(max_length=200, blank=True, default="")
    received_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=RawEventStatus.choices, default=RawEventStatus.RECEIVED
    )
    errors = models.JSONField(default=list, blank=True, help_text="[{loc, msg}, ...]")
    case_id = models.UUIDField(null=True, blank=True)
    outcome = models.CharField(
        max_length=16, blank=True, default="", help_text="created, updated or no change (§3b)"
    )
    attempts = models.IntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    trace_id = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        db_table = "raw_events"
        ordering = ["-received_at", "id"]
        indexes = [
            # Replay runs records in partition order (SPEC §2); not unique, see above.
            models.Index(fields=["topic", "partition", "offset"], name="raw_position"),
            models.Index(fields=["status", "-received_at"], name="raw_status_received"),
            # The API lists a client's records newest first (SPEC §7 filter client_id).
            models.Index(fields=["client_id", "-received_at"], name="raw_client_received"),
            models.Index(fields=["topic", "-received_at"], name="raw_topic_received"),
            models.Index(fields=["-received_at", "id"], name="raw_received_id"),
        ]

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset} {self.status}"


class RawPayload(models.Model):
    """The exact bytes of a record too large to keep inline in its RawEvent (same id).

    Written once, before its row, and never updated; read only by id (replay, admin, API
    detail), so its size never slows the audit rows' own queries.
    """

    id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    data = models.BinaryField()
    size = models.IntegerField()

    class Meta:
        db_table = "raw_payloads"

    def __str__(self) -> str:
        return f"{self.id} ({self.size} bytes)"
