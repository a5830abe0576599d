"""Consumer metrics (SPEC §8) and the Kafka client instrumentation switch.

Counters and histograms are fed once per batch from the consumer thread. Gauges that need a
broker or database answer (lag per partition, cases open by status, outbox backlog) are
observable: the consumer refreshes a snapshot on its own thread, between batches, and the
callbacks only read it, so a scrape or an export never touches Kafka or MongoDB.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from confluent_kafka import Consumer, Producer
from opentelemetry import metrics, trace
from opentelemetry.instrumentation.confluent_kafka import (
    ConfluentKafkaInstrumentor,
    ProxiedConsumer,
)
from opentelemetry.metrics import CallbackOptions, Observation

from casemgmt_project.telemetry import tracing_enabled
from kafka_integration.records import RecordOutcome

__all__ = [
    "Every",
    "batch_summary",
    "observe_cases_open",
    "observe_lag",
    "observe_outbox",
    "record_batch",
    "record_dead_letters",
    "record_notifications",
    "traced_consumer",
    "traced_producer",
    "tracing_enabled",
]

KAFKA = "kafka"
_meter = metrics.get_meter("casemgmt.consumer")

# --- Snapshots read by the observable gauges --------------------------------------------------
_snapshot_lock = threading.Lock()
_lag: dict[tuple[str, int], int] = {}
_cases_open: dict[str, int] = {}
_outbox: dict[str, float] = {}


def _lag_observations(_: CallbackOptions) -> Iterable[Observation]:
    with _snapshot_lock:
        items = list(_lag.items())
    for (topic, partition), lag in items:
        yield Observation(
            lag,
            {
                "messaging.system": KAFKA,
                "messaging.destination.name": topic,
                "messaging.destination.partition.id": str(partition),
            },
        )


def _cases_open_observations(_: CallbackOptions) -> Iterable[Observation]:
    with _snapshot_lock:
        items = list(_cases_open.items())
    for status, count in items:
        yield Observation(count, {"casemgmt.case.status": status})


def _outbox_observation(name: str):
    def observe(_: CallbackOptions) -> Iterable[Observation]:
        with _snapshot_lock:
            value = _outbox.get(name)
        if value is not None:
            yield Observation(value)

    return observe


_consumed = _meter.create_counter(
    "messaging.client.consumed.messages",
    unit="{message}",
    description="Records handed to the ingest service, by topic",
)
_records = _meter.create_counter(
    "casemgmt.ingest.records",
    unit="{record}",
    description="Records by outcome: PROCESSED, REJECTED, FAILED, ALREADY_FINISHED",
)
SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900]
_latency = _meter.create_histogram(
    "casemgmt.ingest.latency",
    unit="s",
    description="From the record's Kafka timestamp to its case being durable",
    explicit_bucket_boundaries_advisory=SECONDS_BUCKETS,
)
_batch_duration = _meter.create_histogram(
    "messaging.process.duration",
    unit="s",
    description="Time to process and commit one batch",
    explicit_bucket_boundaries_advisory=SECONDS_BUCKETS,
)
_batch_size = _meter.create_histogram(
    "casemgmt.consumer.batch.size",
    unit="{record}",
    description="Records per batch",
    explicit_bucket_boundaries_advisory=[1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000],
)
_dead_letters = _meter.create_counter(
    "casemgmt.dlq.published", unit="{record}", description="Records copied to the DLQ"
)
_notifications = _meter.create_counter(
    "casemgmt.notifications.published",
    unit="{notification}",
    description="Notification records acknowledged by the broker",
)
_notification_failures = _meter.create_counter(
    "casemgmt.notifications.failed",
    unit="{attempt}",
    description="Delivery attempts that failed (the row stays pending and is retried)",
)
_meter.create_observable_gauge(
    "casemgmt.consumer.lag",
    callbacks=[_lag_observations],
    unit="{record}",
    description="Records behind the log end, per assigned partition",
)
_meter.create_observable_gauge(
    "casemgmt.cases.open",
    callbacks=[_cases_open_observations],
    unit="{case}",
    description="Cases in a not-final status (counted up to a cap, refreshed periodically)",
)
_meter.create_observable_gauge(
    "casemgmt.notifications.pending",
    callbacks=[_outbox_observation("pending")],
    unit="{notification}",
    description="Outbox rows not yet delivered (counted up to a cap)",
)
_meter.create_observable_gauge(
    "casemgmt.outbox.oldest_age",
    callbacks=[_outbox_observation("oldest_age")],
    unit="s",
    description="Age of the oldest pending outbox row; 0 when none is pending",
)


# --- Recording (consumer thread) ----------------------------------------------------------------


def _outcome_counts(outcomes: list[RecordOutcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        status = "ALREADY_FINISHED" if outcome.already_finished else outcome.status
        counts[status] = counts.get(status, 0) + 1
    return counts


def batch_summary(outcomes: list[RecordOutcome]) -> dict[str, int]:
    """The extras of the per-batch log line: counts only, never record content."""
    counts = _outcome_counts(outcomes)
    return {"records": len(outcomes), **{status.lower(): n for status, n in counts.items()}}


def record_batch(topic: str, outcomes: list[RecordOutcome], seconds: float) -> None:
    """After a batch is committed: counts by outcome, batch size and duration, latencies."""
    attributes = {"messaging.system": KAFKA, "messaging.destination.name": topic}
    _consumed.add(len(outcomes), attributes)
    _batch_size.record(len(outcomes), attributes)
    _batch_duration.record(seconds, attributes)
    now = datetime.now(UTC)
    for outcome in outcomes:
        if (
            outcome.status == "PROCESSED"
            and not outcome.already_finished
            and outcome.record.timestamp
        ):
            _latency.record(max(0.0, (now - outcome.record.timestamp).total_seconds()), attributes)
    for status, count in _outcome_counts(outcomes).items():
        _records.add(count, {**attributes, "casemgmt.outcome": status})


def record_dead_letters(dlq_topic: str, count: int) -> None:
    if count:
        _dead_letters.add(
            count, {"messaging.system": KAFKA, "messaging.destination.name": dlq_topic}
        )


def record_notifications(delivered: int, failed: int) -> None:
    if delivered:
        _notifications.add(delivered)
    if failed:
        _notification_failures.add(failed)


def observe_lag(lags: dict[tuple[str, int], int | None], assigned: set[tuple[str, int]]) -> None:
    """Replace the lag snapshot of this consumer's partitions; revoked ones disappear."""
    with _snapshot_lock:
        for key in [key for key in _lag if key not in assigned]:
            del _lag[key]
        for key, lag in lags.items():
            if lag is not None:
                _lag[key] = lag


def observe_cases_open(counts: dict[str, int]) -> None:
    with _snapshot_lock:
        _cases_open.clear()
        _cases_open.update(counts)


def observe_outbox(pending: int, oldest_created_at: datetime | None) -> None:
    age = 0.0
    if oldest_created_at is not None:
        age = max(0.0, (datetime.now(UTC) - oldest_created_at).total_seconds())
    with _snapshot_lock:
        _outbox["pending"] = pending
        _outbox["oldest_age"] = age


class Every:
    """Run-at-most-every-N-seconds guard for snapshot refreshes between batches."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._last = float("-inf")

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._last < self.seconds:
            return False
        self._last = now
        return True


# --- Kafka client instrumentation ---------------------------------------------------------------


class _TracedConsumer(ProxiedConsumer):
    """The instrumentation's proxy, plus the calls our consume loop makes that it lacks."""

    def assign(self, *args, **kwargs):
        return self._consumer.assign(*args, **kwargs)

    def assignment(self, *args, **kwargs):
        return self._consumer.assignment(*args, **kwargs)

    def pause(self, *args, **kwargs):
        return self._consumer.pause(*args, **kwargs)

    def resume(self, *args, **kwargs):
        return self._consumer.resume(*args, **kwargs)

    def seek(self, *args, **kwargs):
        return self._consumer.seek(*args, **kwargs)

    def position(self, *args, **kwargs):
        return self._consumer.position(*args, **kwargs)

    def unsubscribe(self, *args, **kwargs):
        return self._consumer.unsubscribe(*args, **kwargs)

    def store_offsets(self, *args, **kwargs):
        return self._consumer.store_offsets(*args, **kwargs)

    def list_topics(self, *args, **kwargs):
        return self._consumer.list_topics(*args, **kwargs)

    def memberid(self, *args, **kwargs):
        return self._consumer.memberid(*args, **kwargs)

    def consumer_group_metadata(self, *args, **kwargs):
        return self._consumer.consumer_group_metadata(*args, **kwargs)

    def incremental_assign(self, *args, **kwargs):
        return self._consumer.incremental_assign(*args, **kwargs)

    def incremental_unassign(self, *args, **kwargs):
        return self._consumer.incremental_unassign(*args, **kwargs)


def traced_consumer(consumer: Consumer) -> Consumer:
    """confluent-kafka's consume spans, only while tracing is on (they cost per record)."""
    if not tracing_enabled():
        return consumer
    tracer = trace.get_tracer("opentelemetry.instrumentation.confluent_kafka")
    return _TracedConsumer(consumer, tracer)


def traced_producer(producer: Producer) -> Producer:
    """confluent-kafka's send spans, which also inject `traceparent` into each record."""
    if not tracing_enabled():
        return producer
    return ConfluentKafkaInstrumentor.instrument_producer(producer)
