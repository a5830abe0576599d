"""A tracer provider that records only while some exporter listens.

With no exporter attached a span costs what the API's no-op tracer costs: no ids are drawn, no
attributes kept, no processor called. The span handed out carries the parent's context, so an
upstream `traceparent` still reaches the logs and travels on, unchanged, to the notifications.
Once an exporter is attached (OTLP, console, or a test's in-memory one) the same tracers hand
out real SDK spans, so the global provider can stay installed for the whole process.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as context_api
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

__all__ = ["GatedTracerProvider"]


class GatedTracerProvider(trace.TracerProvider):
    """Wraps the SDK provider; `recording` is flipped when exporters come and go."""

    def __init__(self, sdk_provider: TracerProvider):
        self.sdk = sdk_provider
        self.recording = False

    def get_tracer(self, instrumenting_module_name: str, *args: Any, **kwargs: Any) -> trace.Tracer:
        return _GatedTracer(self, self.sdk.get_tracer(instrumenting_module_name, *args, **kwargs))


class _GatedTracer(trace.Tracer):
    def __init__(self, gate: GatedTracerProvider, sdk_tracer: trace.Tracer):
        self._gate = gate
        self._sdk = sdk_tracer

    def start_span(
        self,
        name: str,
        context: context_api.Context | None = None,
        kind: trace.SpanKind = trace.SpanKind.INTERNAL,
        attributes: Any = None,
        links: Sequence[trace.Link] | None = (),
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> trace.Span:
        if self._gate.recording:
            return self._sdk.start_span(
                name,
                context,
                kind,
                attributes,
                links,
                start_time,
                record_exception,
                set_status_on_exception,
            )
        return trace.NonRecordingSpan(trace.get_current_span(context).get_span_context())

    @contextmanager
    def start_as_current_span(
        self,
        name: str,
        context: context_api.Context | None = None,
        kind: trace.SpanKind = trace.SpanKind.INTERNAL,
        attributes: Any = None,
        links: Sequence[trace.Link] | None = (),
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> Iterator[trace.Span]:
        span = self.start_span(
            name,
            context,
            kind,
            attributes,
            links,
            start_time,
            record_exception,
            set_status_on_exception,
        )
        with trace.use_span(
            span,
            end_on_exit=end_on_exit,
            record_exception=record_exception,
            set_status_on_exception=set_status_on_exception,
        ) as current:
            yield current
