"""Which process configures what: the web process, the consumer, and `manage.py` commands.

Called before Django opens its database client, so PyMongo's command listener is registered
on the client the backend creates (`runserver` checks migrations before it loads the WSGI app).
"""

from __future__ import annotations

from django.conf import settings

from casemgmt_project.telemetry.providers import TelemetryState, configure_telemetry

__all__ = ["configure_consumer", "configure_for_argv", "configure_web"]

CONSUMER_COMMANDS = frozenset({"consume_kafka", "relay_notifications"})
WEB_COMMANDS = frozenset({"runserver"})
# The demo upstream: traced, its records carry a traceparent into the consumer's traces.
SAMPLE_PRODUCER_COMMAND = "produce_sample_events"
SAMPLE_PRODUCER_SERVICE = "casemgmt-sample-producer"


def configure_web() -> TelemetryState:
    """The web process: HTTP server spans and metrics; /metrics when METRICS_TOKEN is set."""
    return configure_telemetry(settings.SERVICE_NAME_API, prometheus=bool(settings.METRICS_TOKEN))


def configure_consumer() -> TelemetryState:
    """The consumer: spans per record, metrics; a scrape port when METRICS_PORT is set."""
    return configure_telemetry(settings.SERVICE_NAME_CONSUMER, metrics_port=settings.METRICS_PORT)


def configure_for_argv(argv: list[str]) -> TelemetryState | None:
    """Configure for the long-running commands only; `migrate` and friends export nothing."""
    command = argv[1] if len(argv) > 1 else ""
    if command in CONSUMER_COMMANDS:
        return configure_consumer()
    if command in WEB_COMMANDS:
        return configure_web()
    if command == SAMPLE_PRODUCER_COMMAND:
        return configure_telemetry(SAMPLE_PRODUCER_SERVICE)
    return None
