"""Notification rules (configuration) and the outbox of notifications to publish to Kafka."""

from django.db import models


class NotificationTrigger(models.TextChoices):
    CASE_CREATED = "CASE_CREATED"
    DOCUMENT_STATUS_CHANGED = "DOCUMENT_STATUS_CHANGED"
    CASE_STATUS_CHANGED = "CASE_STATUS_CHANGED"
    CLIENT_DATA_UPDATED = "CLIENT_DATA_UPDATED"
    CASE_OVERDUE = "CASE_OVERDUE"
    SCREENING_HIT = "SCREENING_HIT"
    DOCUMENT_REQUESTED = "DOCUMENT_REQUESTED"
    DOCUMENT_EXPIRED = "DOCUMENT_EXPIRED"


class NotificationStatus(models.TextChoices):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class NotificationRule(models.Model):
    trigger = models.CharField(max_length=32, choices=NotificationTrigger.choices)
    traitement_type = models.CharField(
        max_length=3, blank=True, default="", help_text="Empty = any"
    )
    case_type = models.CharField(max_length=200, blank=True, default="", help_text="Empty = any")
    notification_type = models.CharField(max_length=100)
    template_id = models.CharField(max_length=100)
    language_code = models.CharField(max_length=10, default="en")
    is_active = models.BooleanField(default=True)
    priority = models.IntegerField(default=100, help_text="Lower wins")

    class Meta:
        db_table = "notification_rules"
        ordering = ["trigger", "priority", "id"]
        indexes = [
            models.Index(fields=["trigger", "is_active", "priority"], name="notifrule_match")
        ]

    def __str__(self) -> str:
        return f"{self.trigger} → {self.notification_type} ({self.template_id})"


class Notification(models.Model):
    """Outbox row: one NotificationRequired event waiting for, or recording, Kafka delivery."""

    id = models.UUIDField(
        primary_key=True, editable=False, db_column="_id", help_text="The event_id"
    )
    case_id = models.UUIDField()
    event_type = models.CharField(max_length=64, default="NotificationRequired")
    topic = models.CharField(max_length=249)
    key = models.CharField(max_length=64)
    envelope = models.JSONField(help_text="The event envelope published as the record value")
    traceparent = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.IntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    delivered_partition = models.IntegerField(null=True, blank=True)
    delivered_offset = models.BigIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    # The in-flight mark (issue #22): written with one update before a relay pass is sent,
    # cleared by the write of its outcome. A relay that dies in between leaves it behind, and
    # the pass is then reconciled against the topic instead of being sent again.
    in_flight = models.CharField(
        max_length=64, null=True, blank=True, help_text="The relay pass sending this row now"
    )
    in_flight_by = models.CharField(
        max_length=200, blank=True, default="", help_text="The relay that started that pass"
    )
    in_flight_since = models.DateTimeField(
        null=True, blank=True, help_text="When that pass was marked (its lease starts then)"
    )
    in_flight_from = models.JSONField(
        null=True, blank=True, help_text="{partition: end offset} of the topic before the pass"
    )

    class Meta:
        db_table = "notifications"
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="notification_status"),
            models.Index(fields=["case_id"], name="notification_case"),
            # The admin's outbox list, newest first, without a filter.
            models.Index(fields=["-created_at", "id"], name="notification_created"),
            # Rows in flight: few at any time, looked up by the relay at start and periodically.
            models.Index(fields=["in_flight"], name="notification_in_flight"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} for case {self.case_id} ({self.status})"
