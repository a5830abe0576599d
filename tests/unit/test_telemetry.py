"""Pure telemetry pieces: the recording gate, exporter selection, resource, JSON log lines."""

import json
import logging
import traceback

from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from casemgmt_project.logging import JsonFormatter
from casemgmt_project.telemetry.gate import GatedTracerProvider
from casemgmt_project.telemetry.providers import _otlp_wanted, build_resource
from casemgmt_project.telemetry.redaction import frames_only

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"


def gated() -> tuple[GatedTracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    sdk = TracerProvider()
    sdk.add_span_processor(SimpleSpanProcessor(exporter))
    return GatedTracerProvider(sdk), exporter


def injected() -> str:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent", "")


def test_closed_gate_passes_the_upstream_traceparent_on_unchanged_and_records_nothing():
    provider, exporter = gated()
    tracer = provider.get_tracer("test")
    upstream = propagate.extract({"traceparent": TRACEPARENT})

    with tracer.start_as_current_span("work", context=upstream) as span:
        assert not span.is_recording()
        assert injected() == TRACEPARENT

    assert exporter.get_finished_spans() == ()


def test_closed_gate_without_upstream_has_no_trace_at_all():
    provider, _ = gated()
    with provider.get_tracer("test").start_as_current_span("work") as span:
        assert not span.get_span_context().is_valid
        assert injected() == ""


def test_open_gate_records_a_child_of_the_upstream_span():
    provider, exporter = gated()
    provider.recording = True
    upstream = propagate.extract({"traceparent": TRACEPARENT})

    with provider.get_tracer("test").start_as_current_span("work", context=upstream):
        header = injected()

    (span,) = exporter.get_finished_spans()
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert format(span.parent.span_id, "016x") == "b7ad6b7169203331"
    assert header.split("-")[2] == format(span.context.span_id, "016x")


def test_otlp_is_used_only_when_an_endpoint_is_configured(monkeypatch):
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    assert not _otlp_wanted("TRACES")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces")
    assert _otlp_wanted("TRACES")
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert not _otlp_wanted("TRACES")


def test_resource_names_the_service_and_lets_otel_variables_override_it(monkeypatch):
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=staging,team=kyc")
    attributes = build_resource("casemgmt-consumer").attributes
    assert attributes["service.name"] == "casemgmt-consumer"
    assert attributes["deployment.environment"] == "staging"
    assert attributes["team"] == "kyc"
    assert attributes["service.version"]

    monkeypatch.setenv("OTEL_SERVICE_NAME", "kyc-ingest-eu")
    assert build_resource("casemgmt-consumer").attributes["service.name"] == "kyc-ingest-eu"


def log_line(level: int, exc: BaseException | None = None, **extra) -> dict:
    record = logging.LogRecord("casemgmt.test", level, __file__, 1, "record failed", (), None)
    if exc is not None:
        try:
            raise exc
        except BaseException as raised:
            record.exc_info = (type(raised), raised, raised.__traceback__)
    record.__dict__.update(extra)
    return json.loads(JsonFormatter().format(record))


def test_log_line_at_error_keeps_the_exception_type_and_frames_but_not_its_text():
    entry = log_line(logging.ERROR, ValueError("Ada Lovelace, born 1815-12-10"), case="c-1")

    assert entry["level"] == "ERROR" and entry["message"] == "record failed"
    assert entry["case"] == "c-1"
    assert entry["exc_type"] == "ValueError"
    assert "test_telemetry.py" in entry["exc_info"]
    assert "Lovelace" not in json.dumps(entry)


def test_log_line_at_debug_leaves_the_exception_text_out_too():
    entry = log_line(logging.DEBUG, ValueError("Ada Lovelace, born 1815-12-10"))

    assert entry["exc_type"] == "ValueError" and "test_telemetry.py" in entry["exc_info"]
    assert "Lovelace" not in json.dumps(entry)


def test_log_line_carries_the_active_trace_and_span_ids():
    provider, _ = gated()
    provider.recording = True
    with provider.get_tracer("test").start_as_current_span("work") as span:
        entry = log_line(logging.INFO)
    context = span.get_span_context()
    assert entry["trace_id"] == format(context.trace_id, "032x")
    assert entry["span_id"] == format(context.span_id, "016x")
    assert "trace_id" not in log_line(logging.INFO)
    assert trace.get_current_span() is trace.INVALID_SPAN


def test_a_span_traceback_keeps_its_frames_and_types_but_no_message_of_a_chain():
    person = {"name": "Ada Lovelace", "born": "1815-12-10\n    in London"}  # code lines show
    try:  # the expressions below, never these values
        try:
            raise KeyError(person["name"])
        except KeyError as exc:
            raise ValueError(person["born"]) from exc
    except ValueError as exc:
        text = "".join(traceback.format_exception(exc))

    kept = frames_only(text)

    assert "Lovelace" in text and "London" in text
    assert "Lovelace" not in kept and "1815" not in kept and "London" not in kept
    assert kept.count("test_telemetry.py") == 2
    assert "KeyError" in kept and "ValueError" in kept and "direct cause" in kept
