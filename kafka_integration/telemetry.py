"""Consumer metrics (OpenTelemetry): records by outcome, latency, batch size, lag."""

from __future__ import annotations

from opentelemetry import metrics

from kafka_integration.ingest import RecordOutcome

_meter = metrics.get_meter("casemgmt.consumer")
_records = _meter.create_counter(
    "casemgmt.records", unit="{record}", description="Records consumed, by topic and outcome"
)
_latency = _meter.create_histogram(
    "casemgmt.batch.duration", unit="s", description="Time to process and commit one batch"
)
_batch_size = _meter.create_histogram(
    "casemgmt.batch.size", unit="{record}", description="Records per batch"
)
_lag = _meter.create_gauge(
    "casemgmt.consumer.lag", unit="{record}", description="Records behind the log end"
)


def record_batch(topic: str, outcomes: list[RecordOutcome], seconds: float) -> None:
    _batch_size.record(len(outcomes), {"topic": topic})
    _latency.record(seconds, {"topic": topic})
    for outcome in outcomes:
        status = "ALREADY_FINISHED" if outcome.already_finished else outcome.status
        _records.add(1, {"topic": topic, "outcome": status})


def record_lag(topic: str, lag: int | None) -> None:
    if lag is not None:
        _lag.set(lag, {"topic": topic})
