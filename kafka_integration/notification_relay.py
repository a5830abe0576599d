"""The notification relay: deliver pending outbox rows to Kafka and record where they landed.

Runs inside `consume_kafka` (after each batch and when idle) and alone as
`manage.py relay_notifications`. A row stays PENDING until the broker acknowledges it
(idempotent producer, acks=all), so a broker outage only delays delivery. When the DELIVERED
write fails after the acknowledgement (the database went away), the relay keeps that pass's
outcome in memory and writes it before it sends anything else, so a database outage re-sends
nothing. Only a process that dies between the acknowledgement and that write re-sends its last
pass once more; consumers dedupe on the `event_id` header.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import KafkaError, Message, Producer
from django.utils import timezone
from opentelemetry import propagate, trace
from opentelemetry.trace import Link, SpanKind

from cases.core import bulk
from cases.models import Notification, NotificationStatus
from cases.selectors import count_pending_notifications
from kafka_integration import telemetry
from kafka_integration.producer import reliable_producer_config

logger = logging.getLogger(__name__)
tracer = trace.get_tracer("casemgmt.notification_relay")
PENDING_GAUGE_CAP = 100_000


@dataclass
class RelayReport:
    delivered: int = 0
    failed: int = 0


@dataclass
class ResendReport(RelayReport):
    skipped_delivered: int = 0  # already on Kafka and not explicitly asked for again


class NotificationRelay:
    def __init__(
        self,
        bootstrap_servers: str,
        extra: dict[str, Any] | None = None,
        delivery_timeout: float = 30.0,
    ):
        config = reliable_producer_config(bootstrap_servers, extra or {})
        config["message.timeout.ms"] = int(delivery_timeout * 1000)
        self._producer = Producer(config)
        self._timeout = delivery_timeout
        # A pass the broker has answered but whose outcome is not written yet.
        self._unrecorded: tuple[list[Notification], dict] | None = None

    def relay_pending(self, limit: int = 500) -> RelayReport:
        report = RelayReport()
        self._settle_unrecorded(report)  # first, or the query would return those rows again
        pending = list(
            Notification.objects.filter(status=NotificationStatus.PENDING).order_by(
                "created_at", "id"
            )[:limit]
        )
        self._observe_backlog(pending, limit)
        self._send(pending, report)
        return report

    def deliver(self, rows: list[Notification]) -> RelayReport:
        """Publish these rows now and record where each landed (or why it did not)."""
        report = RelayReport()
        settled = self._settle_unrecorded(report)
        self._send([row for row in rows if row.pk not in settled], report)
        return report

    def _send(self, rows: list[Notification], report: RelayReport) -> None:
        if not rows:
            return
        results: dict[Any, tuple[KafkaError | None, Message | None]] = {}
        for row in rows:
            self._produce(row, results)
        self._producer.flush(self._timeout)
        self._unrecorded = (rows, results)
        self._record(rows, results, report)
        self._unrecorded = None

    def _settle_unrecorded(self, report: RelayReport) -> set[Any]:
        """Write the outcome of a pass whose write failed; returns the ids it settled.

        Those rows are on Kafka already (or were refused), so they are recorded, never sent
        again. While the database is still away this raises and nothing new is sent.
        """
        if self._unrecorded is None:
            return set()
        rows, results = self._unrecorded
        self._record(rows, results, report)
        self._unrecorded = None
        return {row.pk for row in rows}

    @staticmethod
    def _observe_backlog(pending: list[Notification], limit: int) -> None:
        """Feed the pending/outbox-age gauges; a full page means more rows: count them."""
        if len(pending) < limit:
            oldest = pending[0].created_at if pending else None
            telemetry.observe_outbox(len(pending), oldest)
        else:
            telemetry.observe_outbox(*count_pending_notifications(cap=PENDING_GAUGE_CAP))

    def resend(self, ids: list[Any], *, include_delivered: bool = False) -> ResendReport:
        """Re-send chosen outbox rows through the relay (the admin's "re-send" action).

        Rows still PENDING or FAILED are delivered now, exactly as the background relay would.
        A DELIVERED row already reached Kafka, so it is skipped unless `include_delivered`: an
        explicit request for a second copy (same event_id header, which consumers dedupe on).
        """
        rows = list(Notification.objects.filter(pk__in=ids).order_by("created_at", "id"))
        chosen = [
            row for row in rows if include_delivered or row.status != NotificationStatus.DELIVERED
        ]
        relayed = self.deliver(chosen)
        return ResendReport(
            delivered=relayed.delivered,
            failed=relayed.failed,
            skipped_delivered=len(rows) - len(chosen),
        )

    def _produce(self, row: Notification, results: dict) -> None:
        """One PRODUCER span per row, linked to the case's trace that the record carries on.

        The record's `traceparent` is the one stored when the case asked for the notification
        (its creation context), so the consumer downstream joins the case's trace even though
        delivery may happen much later, in another process.
        """
        creation = trace.get_current_span(
            propagate.extract({"traceparent": row.traceparent})
        ).get_span_context()
        with tracer.start_as_current_span(
            "casemgmt.notification.publish",
            kind=SpanKind.PRODUCER,
            links=[Link(creation)] if creation.is_valid else [],
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.destination.name": row.topic,
                "messaging.message.id": str(row.pk),
            }
            if telemetry.tracing_enabled()
            else None,
        ):

            def on_delivery(error: KafkaError | None, message: Message, pk=row.pk) -> None:
                results[pk] = (error, message)

            self._producer.produce(
                row.topic,
                key=row.key.encode(),
                value=json.dumps(row.envelope, ensure_ascii=False).encode("utf-8"),
                headers=[
                    ("traceparent", row.traceparent.encode()),
                    ("event_type", row.event_type.encode()),
                    ("event_id", str(row.pk).encode()),
                ],
                on_delivery=on_delivery,
            )
            self._producer.poll(0)

    def _record(self, rows: list[Notification], results: dict, report: RelayReport) -> None:
        updates, now = [], timezone.now()
        for row in rows:
            error, message = results.get(row.pk, (None, None))
            if message is not None and error is None:
                millis = message.timestamp()[1]
                delivered_at = datetime.fromtimestamp(millis / 1000, UTC) if millis > 0 else now
                values = bulk.prepared(
                    Notification,
                    status=NotificationStatus.DELIVERED,
                    delivered_partition=message.partition(),
                    delivered_offset=message.offset(),
                    delivered_at=delivered_at,
                    attempts=row.attempts + 1,
                    last_error="",
                )
                report.delivered += 1
            else:
                reason = error.str() if error is not None else "no delivery report in time"
                values = bulk.prepared(Notification, attempts=row.attempts + 1, last_error=reason)
                report.failed += 1
            updates.append((bulk.prepared_pk(Notification, row.pk), values))
        bulk.update_fields(Notification, updates, current=rows)
        telemetry.record_notifications(report.delivered, report.failed)
        if report.failed:
            logger.warning(
                "notifications not delivered; will retry", extra={"count": report.failed}
            )

    def close(self, timeout: float = 10.0) -> None:
        self._producer.flush(timeout)
