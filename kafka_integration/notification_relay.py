"""The notification relay: deliver pending outbox rows to Kafka and record where they landed.

Runs inside `consume_kafka` (after each batch and when idle) and alone as
`manage.py relay_notifications`. A row stays PENDING until the broker acknowledges it
(idempotent producer, acks=all), so a broker outage only delays delivery.

Nothing is sent twice because of a crash (issue #22). Before a pass is produced its rows are
marked in flight with one write: the pass id, the relay, the time, and each partition's end
offset then (`relay_passes`). The write of the outcome clears the mark. When that write fails
(the database went away) the relay keeps the outcome in memory and writes it before it sends
anything else. When the relay dies instead, the mark stays: a relay that finds it reads the
topic from the recorded offsets, records the rows it finds there as DELIVERED with their real
partition and offset, and sends only the others. It does so at once for a pass under its own
name (one an error cut short in this process, or, for a stable `NOTIFICATION_RELAY_ID`, one of
its previous life) and for any other pass once its lease has run out: a live relay finishes a
pass well within the lease, so a pass that old is dead.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from django.utils import timezone
from opentelemetry import propagate, trace
from opentelemetry.trace import Link, SpanKind

from cases.core import bulk
from cases.models import Notification, NotificationStatus
from cases.selectors import count_pending_notifications
from kafka_integration import relay_passes, telemetry
from kafka_integration.crash_points import crash_point
from kafka_integration.producer import reliable_producer_config
from kafka_integration.relay_passes import CLEARED, RelayPass
from kafka_integration.topic_positions import Landed, TopicPositions

logger = logging.getLogger(__name__)
tracer = trace.get_tracer("casemgmt.notification_relay")
PENDING_GAUGE_CAP = 100_000
DEFAULT_LEASE_SECONDS = 120.0
RECONCILE_EVERY_SECONDS = 30.0
RECONCILE_READ_TIMEOUT_SECONDS = 60.0


@dataclass
class RelayReport:
    delivered: int = 0
    failed: int = 0
    reconciled: int = 0  # found on the topic after a relay died, recorded without sending


@dataclass
class ResendReport(RelayReport):
    skipped_delivered: int = 0  # already on Kafka and not explicitly asked for again
    skipped_in_flight: int = 0  # a relay is sending them right now


class NotificationRelay:
    """`owner`: a stable name for this relay (one per process, e.g. the pod name); empty, a
    fresh one per process, whose passes others reconcile only after `lease` seconds."""

    def __init__(
        self,
        bootstrap_servers: str,
        extra: dict[str, Any] | None = None,
        delivery_timeout: float = 30.0,
        *,
        owner: str = "",
        lease: float = DEFAULT_LEASE_SECONDS,
        reconcile_every: float = RECONCILE_EVERY_SECONDS,
    ):
        if lease <= 2 * delivery_timeout:
            raise ValueError("the lease must exceed twice the delivery timeout")
        config = reliable_producer_config(bootstrap_servers, extra or {})
        config["message.timeout.ms"] = int(delivery_timeout * 1000)
        self._producer = Producer(config)
        self._positions = TopicPositions(bootstrap_servers, extra or {}, delivery_timeout)
        self._timeout = delivery_timeout
        self._owner = owner or f"relay-{uuid.uuid4().hex[:12]}"
        self._lease = timedelta(seconds=lease)
        self._reconcile_every = reconcile_every
        self._reconciled_at: float | None = None
        # A pass the broker has answered but whose outcome is not written yet.
        self._unrecorded: tuple[RelayPass, list[Notification], dict] | None = None
        self._after_flush = crash_point("relay-after-flush")

    def relay_pending(self, limit: int = 500) -> RelayReport:
        report = RelayReport()
        self._settle_unrecorded(report)  # first, or the query would return those rows again
        self._reconcile_abandoned(report)
        pending = list(
            Notification.objects.filter(
                status=NotificationStatus.PENDING, in_flight__isnull=True
            ).order_by("created_at", "id")[:limit]
        )
        self._observe_backlog(pending, limit)
        self._send(pending, report)
        return report

    def deliver(self, rows: list[Notification], *, again: bool = False) -> RelayReport:
        """Publish these rows now and record where each landed (or why it did not).

        `again`: DELIVERED rows among them are sent once more (an explicit re-send).
        """
        report = RelayReport()
        settled = self._settle_unrecorded(report)
        self._send([row for row in rows if row.pk not in settled], report, again=again)
        return report

    def _send(
        self,
        rows: list[Notification],
        report: RelayReport,
        *,
        again: bool = False,
        continuing: RelayPass | None = None,
    ) -> None:
        """Mark, produce, flush, record. `continuing`: rows already marked by a take-over."""
        if not rows:
            return
        relay_pass = continuing
        if relay_pass is None:
            try:
                ends = {
                    topic: self._positions.end_offsets(topic) for topic in {r.topic for r in rows}
                }
            except KafkaException as exc:  # no positions, no send: the broker is away anyway
                self._record(None, rows, {}, report, reason=f"topic offsets: {exc}")
                return
            relay_pass = RelayPass.new(self._owner, ends)
        try:
            if continuing is None:
                rows = relay_passes.mark(rows, relay_pass, again=again)
                if not rows:
                    return
            results: dict[Any, tuple[KafkaError | None, Message | None]] = {}
            for row in rows:
                self._produce(row, results)
            self._producer.flush(self._timeout)
        except BaseException:
            # Cut short between the mark and the outcome (the mark's answer lost in an outage,
            # a produce refused): the mark may stand, some rows may be on the topic. The next
            # sweep reconciles the pass against the topic, whatever the reconcile interval.
            self._reconciled_at = None
            raise
        if self._after_flush is not None:
            self._after_flush()  # a test's kill point; None unless CASEMGMT_CRASH_POINT names it
        self._unrecorded = (relay_pass, rows, results)
        self._record(relay_pass, rows, results, report)
        self._unrecorded = None

    def _settle_unrecorded(self, report: RelayReport) -> set[Any]:
        """Write the outcome of a pass whose write failed; returns the ids it settled.

        Those rows are on Kafka already (or were refused), so they are recorded, never sent
        again. While the database is still away this raises and nothing new is sent.
        """
        if self._unrecorded is None:
            return set()
        relay_pass, rows, results = self._unrecorded
        self._record(relay_pass, rows, results, report)
        self._unrecorded = None
        return {row.pk for row in rows}

    def _reconcile_abandoned(self, report: RelayReport) -> None:
        """At the first sweep, then every `reconcile_every` s: finish the passes of dead relays."""
        checked = time.monotonic()
        if (
            self._reconciled_at is not None
            and checked - self._reconciled_at < self._reconcile_every
        ):
            return
        self._reconciled_at = checked
        try:
            self._reconcile_each(report)
        except BaseException:
            self._reconciled_at = None  # the database went away mid-way: again next sweep
            raise

    def _reconcile_each(self, report: RelayReport) -> None:
        now = timezone.now()
        for rows in relay_passes.in_flight().values():
            stored = relay_passes.pass_of(rows)
            # A pass under this relay's own name that is still marked between passes was cut
            # short: by an error in this process, or (a stable name) by its previous life.
            if stored.owner == self._owner or stored.age(now) > self._lease:
                try:
                    self._reconcile(stored, report)
                except (KafkaException, TimeoutError, RuntimeError) as exc:
                    logger.warning(
                        "relay pass not reconciled; will retry",
                        extra={"pass_id": stored.id, "error": str(exc)},
                    )

    def _reconcile(self, abandoned: RelayPass, report: RelayReport) -> None:
        """Take the pass over, record what reached the topic, send only the rest."""
        successor = RelayPass.new(self._owner, abandoned.positions)
        rows = relay_passes.take_over(abandoned, successor)
        if not rows:
            return  # another relay got there first
        landed: dict[str, Landed] = {}
        for topic, group in relay_passes.by_topic(rows).items():
            since = abandoned.positions.get(topic, {})
            wanted = {str(row.pk) for row in group}
            landed |= self._positions.find(topic, since, wanted, RECONCILE_READ_TIMEOUT_SECONDS)
        found = [row for row in rows if str(row.pk) in landed]
        rest = [row for row in rows if str(row.pk) not in landed]
        self._record_landed(successor, found, landed, report)
        logger.warning(
            "relay pass of a dead relay reconciled",
            extra={
                "pass_id": abandoned.id,
                "owner": abandoned.owner,
                "found_on_topic": len(found),
                "sent_again": len(rest),
            },
        )
        self._send(rest, report, continuing=successor)

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
        A row a relay is sending right now is left to it.
        """
        rows = list(Notification.objects.filter(pk__in=ids).order_by("created_at", "id"))
        in_flight = [row for row in rows if row.in_flight]
        chosen = [
            row
            for row in rows
            if not row.in_flight
            and (include_delivered or row.status != NotificationStatus.DELIVERED)
        ]
        relayed = self.deliver(chosen, again=include_delivered)
        return ResendReport(
            delivered=relayed.delivered,
            failed=relayed.failed,
            skipped_delivered=len(rows) - len(chosen) - len(in_flight),
            skipped_in_flight=len(in_flight),
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

    def _record(
        self,
        relay_pass: RelayPass | None,
        rows: list[Notification],
        results: dict,
        report: RelayReport,
        reason: str = "no delivery report in time",
    ) -> None:
        """Write each row's outcome and clear the pass's mark (`relay_pass` None: never marked).

        Conditional on the pass still holding the row once it is older than half its lease
        (a stalled write, or one retried after an outage): another relay may have taken it
        over by then, and its outcome is the one that stands. Half, so that a clock skew
        between relay hosts of up to half the lease changes nothing.
        """
        updates, now, delivered, failed = [], timezone.now(), 0, 0
        for row in rows:
            error, message = results.get(row.pk, (None, None))
            if message is not None and error is None:
                millis = message.timestamp()[1]
                delivered_at = datetime.fromtimestamp(millis / 1000, UTC) if millis > 0 else now
                values = _delivered(row, message.partition(), message.offset(), delivered_at)
                delivered += 1
            else:
                values = bulk.prepared(
                    Notification,
                    attempts=row.attempts + 1,
                    last_error=error.str() if error is not None else reason,
                    **CLEARED,
                )
                failed += 1
            updates.append((bulk.prepared_pk(Notification, row.pk), values))
        if relay_pass is None:  # never marked: leave alone any row another relay holds now
            where: dict[str, Any] | None = {"in_flight": None}
        elif relay_pass.age(now) > self._lease / 2:  # another relay may have taken some over
            where = {"in_flight": relay_pass.id}
        else:
            where = None
        if where is None:
            bulk.update_fields(Notification, updates)
        else:  # checked against the stored rows, not this relay's copies of them
            bulk.update_where(Notification, updates, where)
        report.delivered += delivered
        report.failed += failed
        telemetry.record_notifications(delivered, failed)
        if failed:
            logger.warning("notifications not delivered; will retry", extra={"count": failed})

    @staticmethod
    def _record_landed(
        relay_pass: RelayPass,
        rows: list[Notification],
        landed: dict[str, Landed],
        report: RelayReport,
    ) -> None:
        """DELIVERED where the topic shows them, for rows this relay has just taken over."""
        now = timezone.now()
        updates = [
            (
                bulk.prepared_pk(Notification, row.pk),
                _delivered(
                    row,
                    landed[str(row.pk)].partition,
                    landed[str(row.pk)].offset,
                    landed[str(row.pk)].timestamp or now,
                ),
            )
            for row in rows
        ]
        bulk.update_where(Notification, updates, {"in_flight": relay_pass.id})
        report.reconciled += len(rows)
        telemetry.record_notifications(len(rows), 0)

    def close(self, timeout: float = 10.0) -> None:
        self._producer.flush(timeout)
        self._positions.close()


def _delivered(
    row: Notification, partition: int, offset: int, delivered_at: datetime
) -> dict[str, Any]:
    return bulk.prepared(
        Notification,
        status=NotificationStatus.DELIVERED,
        delivered_partition=partition,
        delivered_offset=offset,
        delivered_at=delivered_at,
        attempts=row.attempts + 1,
        last_error="",
        **CLEARED,
    )
