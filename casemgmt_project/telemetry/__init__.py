"""Telemetry bootstrap (SPEC §8): providers, the recording gate, and per-process entry points.

Import from here; the submodules split the concerns (providers.py installs, gate.py keeps the
tracing-off path free, entrypoints.py knows which process is which, scrape.py serves /metrics).
"""

from casemgmt_project.telemetry.entrypoints import (
    configure_consumer,
    configure_for_argv,
    configure_web,
)
from casemgmt_project.telemetry.providers import (
    TelemetryState,
    attach_span_exporter,
    configure_telemetry,
    metrics_exported,
    telemetry_state,
    tracing_enabled,
)

__all__ = [
    "TelemetryState",
    "attach_span_exporter",
    "configure_consumer",
    "configure_for_argv",
    "configure_telemetry",
    "configure_web",
    "metrics_exported",
    "telemetry_state",
    "tracing_enabled",
]
