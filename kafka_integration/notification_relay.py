"""The notification relay: deliver pending outbox rows to Kafka and record where they landed.

Runs inside `consume_kafka` (after each batch and when idle) and alone as
`manage.py relay_notifications`. A row stays PENDING until the broker acknowledges it
(idempotent producer, acks=all), so a broker outage only delays delivery. A crash between the
acknowledgement and the DELIVERED write re-sends that row once more; consumers dedupe on the
`event_id` header.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import KafkaError, Message, Producer
from django.utils import timezone
from opentelemetry import metrics, propagate, trace
from opentelemetry.trace import SpanKind

from cases import bulk
from cases.models import Notification, NotificationStatus
from kafka_integration.producer import reliable_producer_config

logger = logging.getLogger(__name__)
tracer = trace.get_tracer("casemgmt.notification_relay")
_meter = metrics.get_meter("casemgmt.notifications")
_published = _meter.create_counter("casemgmt.notifications.published", unit="{notification}")
_failed = _meter.create_counter("casemgmt.notifications.failed", unit="{attempt}")
_pending = _meter.create_gauge("casemgmt.notifications.pending", unit="{notification}")


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

    def relay_pending(self, limit: int = 500) -> RelayReport:
        pending = list(
            Notification.objects.filter(status=NotificationStatus.PENDING).order_by(
                "created_at", "id"
            )[:limit]
        )
        _pending.set(len(pending))
        return self.deliver(pending)

    def deliver(self, rows: list[Notification]) -> RelayReport:
        """Publish these rows now and record where each landed (or why it did not)."""
        report = RelayReport()
        if not rows:
            return report
        results: dict[Any, tuple[KafkaError | None, Message | None]] = {}
        for row in rows:
            self._produce(row, results)
        self._producer.flush(self._timeout)
        self._record(rows, results, report)
        return report

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
        parent = propagate.extract({"traceparent": row.traceparent}) if row.traceparent else None
        with tracer.start_as_current_span(
            "casemgmt.notification.publish",
            context=parent,
            kind=SpanKind.PRODUCER,
            attributes={"messaging.destination.name": row.topic},
        ):
            carrier: dict[str, str] = {}
            propagate.inject(carrier)

            def on_delivery(error: KafkaError | None, message: Message, pk=row.pk) -> None:
                results[pk] = (error, message)

            self._producer.produce(
                row.topic,
                key=row.key.encode(),
                value=json.dumps(row.envelope, ensure_ascii=False).encode("utf-8"),
                headers=[
                    ("traceparent", (carrier.get("traceparent") or row.traceparent).encode()),
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
        bulk.update_fields(Notification, updates)
        _published.add(report.delivered)
        if report.failed:
            _failed.add(report.failed)
            logger.warning(
                "notifications not delivered; will retry", extra={"count": report.failed}
            )

    def close(self, timeout: float = 10.0) -> None:
        self._producer.flush(timeout)
