"""Shared fixtures: the real Kafka broker of scripts/services.sh, and throwaway topics."""

import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from django.conf import settings
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from casemgmt_project.telemetry import configure_telemetry


@pytest.fixture(scope="session")
def kafka_admin() -> AdminClient:
    admin = AdminClient({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS})
    admin.list_topics(timeout=10)  # fail early and clearly when the broker is not up
    return admin


@pytest.fixture
def make_topic(kafka_admin: AdminClient) -> Iterator:
    """Create uniquely named topics for one test and delete them afterwards."""
    created: list[str] = []

    def create(prefix: str = "test", partitions: int = 1) -> str:
        name = f"{prefix}.{uuid.uuid4().hex[:12]}"
        futures = kafka_admin.create_topics([NewTopic(name, partitions, 1)])
        futures[name].result(timeout=30)
        created.append(name)
        return name

    yield create
    if created:
        for future in kafka_admin.delete_topics(created).values():
            future.result(timeout=30)


@pytest.fixture(scope="session", autouse=True)
def telemetry_metrics() -> InMemoryMetricReader:
    """Install the process's providers once, with an in-memory metric reader tests can read.

    The OpenTelemetry globals can be set only once per process; spans stay unrecorded (the
    tracing-off path) until a test attaches an exporter (see tests/integration/test_telemetry).
    """
    reader = InMemoryMetricReader()
    state = configure_telemetry("casemgmt-tests", metric_readers=[reader])
    assert state.service_name == "casemgmt-tests", "telemetry was configured before the tests"
    return reader


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Each test starts with empty Django caches: the dashboard caches its figures per process,
    and one test's cached dashboard (or login failures) must not answer for the next test."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()
