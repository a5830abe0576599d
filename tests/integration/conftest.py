"""Fixtures for the integration tests."""

import io
import logging
from collections.abc import Iterator

import pytest
from django.conf import settings
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from casemgmt_project.logging import JsonFormatter
from casemgmt_project.telemetry import attach_span_exporter
from cases.documents.rules import seed_document_rules
from cases.models import DocumentRule
from tests.integration.api.conftest import make_caller  # noqa: F401  (screening tests too)
from tests.integration.command_counting import counter  # noqa: F401  (command-count tests)
from tests.integration.screening.conftest import load_list  # noqa: F401  (API and admin tests too)


@pytest.fixture
def document_rules() -> None:
    """The seeded default rules; the test database is emptied between tests."""
    seed_document_rules(DocumentRule)


@pytest.fixture
def workflow_rules() -> None:
    """The seeded approval and SLA rules (SPEC §3a) and the CASE_OVERDUE notification rule."""
    from cases.models import ApprovalRule, NotificationRule, SlaRule
    from cases.workflow.rules import seed_workflow_rules

    seed_workflow_rules(ApprovalRule, SlaRule)
    NotificationRule.objects.create(
        trigger="CASE_OVERDUE", notification_type="CASE_OVERDUE", template_id="case_overdue_v1"
    )


@pytest.fixture
def risk_model() -> None:
    """Version 1 of the risk model as migration 0023 seeds it (SPEC §3d)."""
    from cases.models import RiskModel
    from cases.risk.versions import seed_risk_model

    seed_risk_model(RiskModel)


@pytest.fixture
def spans() -> InMemorySpanExporter:
    """Spans recorded while the test runs (the tracing-off path is restored afterwards)."""
    exporter = InMemorySpanExporter()
    detach = attach_span_exporter(exporter)
    yield exporter
    detach()


@pytest.fixture
def log_dir(tmp_path):
    """Where consumer processes write their stdout and stderr (shown when a test fails)."""
    path = tmp_path / "logs"
    path.mkdir()
    return path


@pytest.fixture
def consumer_topic(make_topic, kafka_admin):
    """A 4-partition input topic; its DLQ and notification topics are deleted afterwards too."""
    topic = make_topic("resilience", partitions=4)
    yield topic
    extra = [f"{topic}.dlq", f"{topic}.notifications"]
    existing = set(kafka_admin.list_topics(timeout=10).topics)
    if doomed := [name for name in extra if name in existing]:
        for future in kafka_admin.delete_topics(doomed).values():
            future.result(timeout=30)


@pytest.fixture
def debug_logs() -> Iterator[io.StringIO]:
    """Every record of every logger as LOG_LEVEL=DEBUG would let through, in the service's JSON.

    Loggers that settings pin to a level of their own (pymongo and the SQL logger at WARNING:
    they would print whole documents) keep it: that pinning is part of the policy tested.
    """
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    following = [
        name
        for name, config in settings.LOGGING["loggers"].items()
        if config.get("level") == settings.LOGGING["root"]["level"]
    ]
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in following]
    saved = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    yield stream
    logging.getLogger().removeHandler(handler)
    for logger, level in zip(loggers, saved, strict=True):
        logger.setLevel(level)
