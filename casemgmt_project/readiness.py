"""Checks behind /ready: a database ping, its unique indexes, a Kafka metadata request."""

from confluent_kafka.admin import AdminClient
from django.conf import settings
from django.db import connection

from casemgmt_project.logging import with_librdkafka_logger
from cases.core.index_readiness import unique_indexes_in_force

READINESS_TIMEOUT_SECONDS = 3.0


def check_dependencies() -> dict[str, str]:
    """Return {dependency: error} for each dependency that does not answer."""
    failures = {}
    try:
        connection.ensure_connection()
        connection.connection.admin.command("ping")
    except Exception as exc:  # any driver error means "not ready"
        failures["mongodb"] = type(exc).__name__
    else:
        if not unique_indexes_in_force():  # no work before duplicates are refused
            failures["mongodb"] = "unique indexes not in force"
    try:
        admin = AdminClient(
            with_librdkafka_logger(
                {"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS, **settings.KAFKA_SECURITY}
            )
        )
        admin.list_topics(timeout=READINESS_TIMEOUT_SECONDS)
    except Exception as exc:
        failures["kafka"] = type(exc).__name__
    return failures
