"""OpenTelemetry bootstrap shared by the web process and the consumer.

Spans and metrics are always recorded in-process (so trace ids reach the logs and the
notification headers); they leave the process only over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT`
is set. Nothing is printed to the console. Standard `OTEL_*` variables (service name, resource
attributes, sampler) are honoured by the SDK itself.
"""

import os
import threading

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_lock = threading.Lock()
_configured = False


def configure_telemetry(service_name: str) -> None:
    """Install tracer/meter providers and the Django and PyMongo instrumentations once."""
    global _configured
    with _lock:
        if _configured:
            return
        _configured = True

    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", service_name)})
    tracer_provider = TracerProvider(resource=resource)
    metric_readers = []
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        metric_readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=metric_readers))

    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    DjangoInstrumentor().instrument()
    PymongoInstrumentor().instrument()
