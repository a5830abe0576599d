"""Spans of the ingest path (SPEC §8): one processing span per record, under its upstream trace.

A record that carries a valid `traceparent` gets a processing span that is a child of it and
links to the batch span; one without is a child of the batch span. Under it: validation, then
the command handling, event append and projection that the batch ran for it (drawn from the
phase timings of `cases.core.phases`). Errors set the span status; exception messages are never
recorded, since they can quote personal data.

With tracing off the spans are the gate's non-recording ones: no ids, no attributes, no phase
collection; the upstream context still flows on to the notifications unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from casemgmt_project.telemetry import tracing_enabled
from cases.core.phases import Phase, collect_phases
from kafka_integration.records import InboundRecord, RecordOutcome

__all__ = ["RecordTracing", "batch_span", "trace_id_of"]

tracer = trace.get_tracer("casemgmt.ingest")

PROCESS_SPAN = "casemgmt.ingest.process"
VALIDATE_SPAN = "casemgmt.ingest.validate"


@contextmanager
def batch_span(topic: str, group: str, count: int) -> Iterator[trace.Span]:
    """The consumer's span around one batch; a failure sets ERROR with the exception type only."""
    attributes = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": topic,
        "messaging.consumer.group.name": group,
        "messaging.batch.message_count": count,
    }
    with tracer.start_as_current_span(
        "casemgmt.consume.batch",
        kind=SpanKind.CONSUMER,
        attributes=attributes if tracing_enabled() else None,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except Exception as exc:
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise


def trace_id_of(span: trace.Span) -> str:
    """The span's trace id as 32 hex digits, or "" when there is none (tracing off, no parent)."""
    context = span.get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""


def _upstream(record: InboundRecord) -> Any:
    """The W3C context (traceparent/tracestate headers) the producer sent, if any."""
    if record.header("traceparent") is None:
        return None
    return propagate.extract({name: record.header(name) or "" for name, _ in record.headers})


def _key_text(key: bytes | None) -> str:
    return key.decode("utf-8", errors="replace")[:200] if key else ""


class RecordTracing:
    """The processing spans of one batch, started per record and ended together."""

    def __init__(self, batch_size: int):
        self.batch_size = batch_size
        self.batch_span = trace.get_current_span()
        self.spans: dict[int, trace.Span] = {}
        self.recording = tracing_enabled()

    def start(self, record: InboundRecord) -> trace.Span:
        upstream = _upstream(record)
        parent = trace.get_current_span(upstream).get_span_context() if upstream else None
        if not self.recording:  # the gate's answer, without building links and attributes
            span: trace.Span = trace.NonRecordingSpan(parent or trace.INVALID_SPAN_CONTEXT)
        else:
            has_parent = parent is not None and parent.is_valid
            batch_context = self.batch_span.get_span_context()
            span = tracer.start_span(
                PROCESS_SPAN,
                context=upstream if has_parent else None,
                kind=SpanKind.CONSUMER,
                links=[Link(batch_context)] if has_parent and batch_context.is_valid else [],
                attributes=self._attributes(record),
            )
        self.spans[id(record)] = span
        return span

    def _attributes(self, record: InboundRecord) -> dict[str, Any]:
        return {
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.destination.name": record.topic,
            "messaging.destination.partition.id": str(record.partition),
            "messaging.kafka.offset": record.offset,
            "messaging.kafka.message.key": _key_text(record.key),
            "messaging.message.id": record.source,
            "messaging.batch.message_count": self.batch_size,
        }

    @contextmanager
    def validating(self, span: trace.Span) -> Iterator[None]:
        if not self.recording:  # validation logs nothing, so no context to attach
            yield
            return
        with (
            trace.use_span(span, end_on_exit=False, record_exception=False),
            tracer.start_as_current_span(VALIDATE_SPAN, record_exception=False),
        ):
            yield

    @contextmanager
    def phases(self) -> Iterator[list[Phase]]:
        """Collect the batch phases only when some processing span records them."""
        if self.recording:
            with collect_phases() as phases:
                yield phases
        else:
            yield []

    def traceparent(self, record: InboundRecord) -> str:
        """The header a notification caused by this record continues (its processing span)."""
        span = self.spans.get(id(record))
        if span is None or not self.recording:  # what the gate would inject: the upstream's
            return record.header("traceparent") or ""
        carrier: dict[str, str] = {}
        propagate.inject(carrier, context=trace.set_span_in_context(span))
        return carrier.get("traceparent", "")

    def finish(self, outcomes: list[RecordOutcome], phases: list[Phase]) -> None:
        for outcome in outcomes:
            span = self.spans.pop(id(outcome.record), None)
            if span is None:
                continue
            if self.recording:
                self._draw_phases(span, outcome, phases)
                span.set_attribute("casemgmt.outcome", outcome.status)
                if outcome.case_id is not None:
                    span.set_attribute("casemgmt.case_id", str(outcome.case_id))
                if outcome.status != "PROCESSED":
                    span.set_status(Status(StatusCode.ERROR, outcome.reason or outcome.status))
            span.end()

    def abandon(self) -> None:
        """The batch failed as a whole (it will be retried): close its spans as errors."""
        for span in self.spans.values():
            span.set_status(Status(StatusCode.ERROR, "batch failed; retried"))
            span.end()
        self.spans.clear()

    @staticmethod
    def _draw_phases(span: trace.Span, outcome: RecordOutcome, phases: list[Phase]) -> None:
        if outcome.status == "REJECTED":
            return  # a rejected record never reached the command handler
        parent = trace.set_span_in_context(span)
        for item in phases:
            child = tracer.start_span(item.name, context=parent, start_time=item.start_ns)
            if item.failed:
                child.set_status(Status(StatusCode.ERROR))
            child.end(end_time=item.end_ns)
