"""OpenTelemetry bootstrap shared by the web process and the consumer (SPEC §8).

`configure_telemetry` runs once per process, before the database client opens, and installs:
the resource (service.name, service.version, deployment.environment; `OTEL_SERVICE_NAME` and
`OTEL_RESOURCE_ATTRIBUTES` win), a tracer provider that records only while an exporter listens
(see gate.py), a meter provider, and the Django (django_middleware.py) and PyMongo
instrumentations. Exporters follow
the standard variables: OTLP/HTTP only when `OTEL_EXPORTER_OTLP_ENDPOINT` or the per-signal
endpoint is set (headers, timeouts, sampler are read by the SDK itself), the console exporter
only when `OTEL_TRACES_EXPORTER` / `OTEL_METRICS_EXPORTER` name it, nothing at all when
`OTEL_SDK_DISABLED=true`. So with no OTEL_* variable nothing is exported or printed.

The global providers can be set once per process, so tests and scripts join later through
`attach_span_exporter` (spans) and `metric_readers=` at the first call (metrics).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import Status, StatusCode
from pymongo.monitoring import CommandFailedEvent

from casemgmt_project.telemetry.gate import GatedTracerProvider
from casemgmt_project.telemetry.redaction import without_exception_texts

__all__ = [
    "TelemetryState",
    "attach_span_exporter",
    "configure_telemetry",
    "metrics_exported",
    "telemetry_state",
    "tracing_enabled",
]

PROBE_URLS = "/health$,/ready$,/metrics$"
_lock = threading.Lock()
_state: TelemetryState | None = None


@dataclass
class TelemetryState:
    """What the process installed; `exporters` names every place telemetry leaves to."""

    service_name: str
    gate: GatedTracerProvider | None = None
    meter_provider: MeterProvider | None = None
    exporters: list[str] = field(default_factory=list)
    metric_readers: int = 0
    fan_out: _FanOutProcessor | None = None


class _FanOutProcessor(SpanProcessor):
    """The one processor registered on the SDK provider; exporters join and leave through it."""

    def __init__(self) -> None:
        self.processors: list[SpanProcessor] = []

    def on_start(self, span: Span, parent_context=None) -> None:
        for processor in self.processors:
            processor.on_start(span, parent_context=parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        span = without_exception_texts(span)  # what an exporter receives, never the message
        for processor in self.processors:
            processor.on_end(span)

    def shutdown(self) -> None:
        for processor in self.processors:
            processor.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return all(processor.force_flush(timeout_millis) for processor in self.processors)


def _exporter_names(variable: str) -> set[str]:
    raw = os.environ.get(variable, "otlp")
    return {name.strip().lower() for name in raw.split(",") if name.strip()}


def _otlp_wanted(signal: str) -> bool:
    """OTLP is on only when an endpoint is configured (SPEC §8), unless the signal is 'none'."""
    if "otlp" not in _exporter_names(f"OTEL_{signal}_EXPORTER"):
        return False
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")
    )


def _service_version() -> str:
    try:
        return os.environ.get("SERVICE_VERSION") or version("casemgmt")
    except PackageNotFoundError:
        return "0.1.0"


def build_resource(service_name: str) -> Resource:
    """Our defaults, overridden by OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES when set."""
    environment = os.environ.get("DEPLOYMENT_ENVIRONMENT", "local")
    ours = Resource.create(
        {
            "service.name": service_name,
            "service.version": _service_version(),
            "deployment.environment": environment,
            "deployment.environment.name": environment,
        }
    )
    return ours.merge(OTELResourceDetector().detect())


def _span_exporters() -> list[tuple[str, SpanExporter]]:
    found: list[tuple[str, SpanExporter]] = []
    if _otlp_wanted("TRACES"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        found.append(("otlp-traces", OTLPSpanExporter()))
    if "console" in _exporter_names("OTEL_TRACES_EXPORTER"):
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        found.append(("console-traces", ConsoleSpanExporter()))
    return found


def _metric_readers(prometheus: bool) -> list[tuple[str, MetricReader]]:
    found: list[tuple[str, MetricReader]] = []
    names = _exporter_names("OTEL_METRICS_EXPORTER")
    if _otlp_wanted("METRICS"):
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        found.append(("otlp-metrics", PeriodicExportingMetricReader(OTLPMetricExporter())))
    if "console" in names:
        from opentelemetry.sdk.metrics.export import ConsoleMetricExporter

        found.append(("console-metrics", PeriodicExportingMetricReader(ConsoleMetricExporter())))
    if prometheus or "prometheus" in names:
        from opentelemetry.exporter.prometheus import PrometheusMetricReader

        found.append(("prometheus", PrometheusMetricReader()))
    return found


def metrics_exported() -> bool:
    """Whether anything reads this process's metrics (a scrape port, OTLP, the console, a
    test's reader). A gauge whose refresh costs a database query is skipped when nothing does."""
    return _state is not None and _state.metric_readers > 0


def _sdk_disabled() -> bool:
    return os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"


def configure_telemetry(
    service_name: str,
    *,
    metrics_port: int | None = None,
    prometheus: bool = False,
    metric_readers: Sequence[MetricReader] = (),
) -> TelemetryState:
    """Install providers and instrumentations once; later calls return the first state.

    `prometheus` adds the pull reader behind the web process's /metrics view; `metrics_port`
    also serves it on its own port (the consumer's METRICS_PORT). `metric_readers` lets tests
    and scripts read metrics in-process.
    """
    global _state
    with _lock:
        if _state is not None:
            return _state
        _state = TelemetryState(service_name)
        if _sdk_disabled():
            return _state
        _install(_state, metrics_port, prometheus or metrics_port is not None, metric_readers)
        return _state


def _install(
    state: TelemetryState,
    metrics_port: int | None,
    prometheus: bool,
    extra_readers: Sequence[MetricReader],
) -> None:
    resource = build_resource(state.service_name)
    sdk_provider = TracerProvider(resource=resource)  # sampler from OTEL_TRACES_SAMPLER
    state.fan_out = _FanOutProcessor()
    sdk_provider.add_span_processor(state.fan_out)
    state.gate = GatedTracerProvider(sdk_provider)
    trace.set_tracer_provider(state.gate)
    for name, exporter in _span_exporters():
        _attach(state, BatchSpanProcessor(exporter))
        state.exporters.append(name)

    readers = _metric_readers(prometheus)
    state.exporters.extend(name for name, _ in readers)
    state.metric_readers = len(readers) + len(extra_readers)
    state.meter_provider = MeterProvider(
        resource=resource, metric_readers=[reader for _, reader in readers] + list(extra_readers)
    )
    metrics.set_meter_provider(state.meter_provider)
    if metrics_port is not None:
        from prometheus_client import start_http_server

        # The scraper reaches this port from outside the container, so all interfaces by
        # default; METRICS_HOST narrows it (e.g. 127.0.0.1 behind a sidecar).
        host = os.environ.get("METRICS_HOST", "0.0.0.0")  # nosec B104
        start_http_server(metrics_port, addr=host)

    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    from casemgmt_project.telemetry.django_middleware import instrument_django

    # Probes and scrapes would drown the request traces; OTEL_PYTHON_DJANGO_EXCLUDED_URLS wins.
    excluded = os.environ.get("OTEL_PYTHON_DJANGO_EXCLUDED_URLS", PROBE_URLS)
    instrument_django(excluded)
    PymongoInstrumentor().instrument(failed_hook=_status_without_server_message)


def _status_without_server_message(span: Span, event: CommandFailedEvent) -> None:
    """A refused command's span says why by code name only: the server's message can quote the
    values of the command (a duplicate key, a bad operand), i.e. personal data."""
    span.set_status(Status(StatusCode.ERROR, str(event.failure.get("codeName", "UnknownError"))))


def _attach(state: TelemetryState, processor: SpanProcessor) -> Callable[[], None]:
    if state.fan_out is None or state.gate is None:
        raise RuntimeError("configure_telemetry() must run before exporters are attached")
    state.fan_out.processors.append(processor)
    state.gate.recording = True

    def detach() -> None:
        processor.force_flush()
        state.fan_out.processors.remove(processor)
        state.gate.recording = bool(state.fan_out.processors)

    return detach


def attach_span_exporter(exporter: SpanExporter, *, batch: bool = False) -> Callable[[], None]:
    """Start recording spans into `exporter`; returns a function that detaches it again."""
    state = _state
    if state is None or state.gate is None:
        raise RuntimeError("configure_telemetry() has not installed a tracer provider")
    processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
    return _attach(state, processor)


def telemetry_state() -> TelemetryState | None:
    return _state


def tracing_enabled() -> bool:
    """True while spans are recorded (some exporter attached): instrument Kafka clients then."""
    return bool(_state and _state.gate and _state.gate.recording)
