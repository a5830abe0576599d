"""Exported telemetry (SPEC §8): one trace from upstream record to notification, metrics that
move by the right amounts, JSON logs without personal data, silence without OTEL_* variables.
"""

import io
import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Producer
from django.conf import settings
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.trace import SpanKind, StatusCode

from casemgmt_project.logging import JsonFormatter
from casemgmt_project.telemetry import metrics_exported
from cases.intake import services
from cases.models import Case, Notification, NotificationRule
from kafka_integration.consumer import CaseEventConsumer, ConsumerOptions
from kafka_integration.ingest import process_batch, record_outcomes
from kafka_integration.notification_relay import NotificationRelay
from kafka_integration.records import InboundRecord
from kafka_integration.relays import open_cases_gauge_hook
from tests.integration.helpers import closed_port, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = Path(os.environ.get("CASEMGMT_SAMPLES_DIR", ROOT.parent / "shared" / "samples"))
UPSTREAM_TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
UPSTREAM_SPAN_ID = "b7ad6b7169203331"
TRACEPARENT = f"00-{UPSTREAM_TRACE_ID}-{UPSTREAM_SPAN_ID}-01"
PHASES = {"casemgmt.command.handle", "casemgmt.events.append", "casemgmt.projection.apply"}


def kyc(client_id: str, firstname: str = "Ada", lastname: str = "Lovelace") -> bytes:
    payload = {
        "client_id": client_id,
        "version": "1.0",
        "type": "INDIVIDUAL_STANDARD",
        "traitement_type": "KYC",
        "persons": [{"firstname": firstname, "lastname": lastname, "birthdate": "1815-12-10"}],
    }
    return json.dumps(payload).encode()


@pytest.fixture
def notification_topic(make_topic, settings):
    NotificationRule.objects.all().delete()
    NotificationRule.objects.create(
        trigger="CASE_CREATED",
        notification_type="CASE_CREATED",
        template_id="case_created_v1",
        language_code="en",
    )
    settings.NOTIFICATION_KAFKA_TOPIC = make_topic("notifications")
    return settings.NOTIFICATION_KAFKA_TOPIC


def produce(topic: str, values: list[bytes], headers: list | None = None) -> None:
    producer = Producer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS, "acks": "all"})
    for value in values:
        producer.produce(topic, value=value, headers=headers or [])
    assert producer.flush(30) == 0


def consume(topic: str, count: int, *, batch_size: int = 50, hooks=None):
    consumer = CaseEventConsumer(
        ConsumerOptions(
            bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
            topic=topic,
            group_id=f"telemetry-{uuid.uuid4().hex[:8]}",
            dlq_topic=f"{topic}.dlq",
            batch_size=batch_size,
            poll_timeout=0.5,
            max_messages=count,
            idle_timeout=20,
        ),
        background_hooks=hooks,
    )
    return consumer.run()


def hex_id(value: int, digits: int) -> str:
    return format(value, f"0{digits}x")


# --- Traces -------------------------------------------------------------------------------------


def test_record_with_a_traceparent_is_processed_and_notified_within_that_trace(
    spans, make_topic, notification_topic
):
    topic = make_topic("traced")
    produce(topic, [kyc("traced-client")], headers=[("traceparent", TRACEPARENT.encode())])
    relay = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS)

    consume(topic, 1, hooks=[relay.relay_pending])

    finished = spans.get_finished_spans()
    by_name = {}
    for span in finished:
        by_name.setdefault(span.name, []).append(span)
    (process,) = by_name["casemgmt.ingest.process"]
    assert hex_id(process.context.trace_id, 32) == UPSTREAM_TRACE_ID
    assert hex_id(process.parent.span_id, 16) == UPSTREAM_SPAN_ID
    assert process.kind == SpanKind.CONSUMER
    assert process.attributes["messaging.destination.name"] == topic
    assert process.attributes["messaging.destination.partition.id"] == "0"
    assert process.attributes["messaging.kafka.offset"] == 0
    assert process.attributes["messaging.batch.message_count"] == 1
    (batch,) = by_name["casemgmt.consume.batch"]
    assert [link.context.span_id for link in process.links] == [batch.context.span_id]
    children = {
        s.name for s in finished if s.parent and s.parent.span_id == process.context.span_id
    }
    assert children >= {"casemgmt.ingest.validate", *PHASES}
    # The client library's consume span (confluent-kafka instrumentation) links the record too.
    library = [s for s in finished if s.name == f"{topic} process"]
    assert library and any(
        hex_id(link.context.trace_id, 32) == UPSTREAM_TRACE_ID for link in library[0].links
    )

    (required,) = by_name["casemgmt.notification.required"]
    assert required.parent.span_id == process.context.span_id
    row = Notification.objects.get(case_id=Case.objects.get(client_id="traced-client").id)
    assert row.traceparent.split("-")[1:3] == [
        UPSTREAM_TRACE_ID,
        hex_id(required.context.span_id, 16),
    ]
    (message,) = read_topic(notification_topic, expected=1, seconds=10)
    headers = dict(message.headers())
    assert headers["traceparent"].decode() == row.traceparent
    (publish,) = by_name["casemgmt.notification.publish"]
    assert publish.kind == SpanKind.PRODUCER
    assert [link.context.span_id for link in publish.links] == [required.context.span_id]


def test_a_rejected_record_ends_its_processing_span_with_an_error_status(spans, make_topic):
    topic = make_topic("rejected")
    produce(topic, [b'{"client_id": "x", "version": "9.9"}'])

    consume(topic, 1)

    (process,) = [s for s in spans.get_finished_spans() if s.name == "casemgmt.ingest.process"]
    assert process.status.status_code == StatusCode.ERROR
    assert process.attributes["casemgmt.outcome"] == "REJECTED"
    assert not any(event.name == "exception" for event in process.events)


# --- Metrics ------------------------------------------------------------------------------------


def points(reader: InMemoryMetricReader, name: str) -> list:
    data = reader.get_metrics_data()
    found = []
    for resource_metrics in data.resource_metrics if data else []:
        for scope in resource_metrics.scope_metrics:
            for metric in scope.metrics:
                if metric.name == name:
                    found.extend(metric.data.data_points)
    return found


def counted(reader: InMemoryMetricReader, name: str, **attributes) -> int:
    return sum(
        point.value
        for point in points(reader, name)
        if all(point.attributes.get(key) == value for key, value in attributes.items())
    )


@pytest.fixture
def failing_client(monkeypatch):
    """Records of client "explodes" fail in the command handler (an unexpected error)."""
    real = services.handle_create_case

    def handle(command, *args):
        if command.message.client_id == "explodes":
            raise RuntimeError("handler broke on purpose")
        return real(command, *args)

    monkeypatch.setattr(services, "handle_create_case", handle)


def test_outcome_counters_move_by_the_processed_rejected_and_failed_records(
    telemetry_metrics, make_topic, failing_client
):
    topic = make_topic("counted")
    records = [kyc("ok-1"), kyc("ok-2"), b"{not json", kyc("explodes")]
    produce(topic, records)

    consume(topic, len(records))

    outcome = "casemgmt.outcome"
    by = {"messaging.destination.name": topic}
    reader = telemetry_metrics
    assert counted(reader, "casemgmt.ingest.records", **by, **{outcome: "PROCESSED"}) == 2
    assert counted(reader, "casemgmt.ingest.records", **by, **{outcome: "REJECTED"}) == 1
    assert counted(reader, "casemgmt.ingest.records", **by, **{outcome: "FAILED"}) == 1
    assert counted(reader, "messaging.client.consumed.messages", **by) == 4
    dlq = {"messaging.destination.name": f"{topic}.dlq"}
    assert counted(reader, "casemgmt.dlq.published", **dlq) == 2
    (latency,) = [
        p
        for p in points(reader, "casemgmt.ingest.latency")
        if p.attributes == {"messaging.system": "kafka", **by}
    ]
    assert latency.count == 2


def test_lag_gauge_reports_the_backlog_left_on_the_partition(telemetry_metrics, make_topic):
    topic = make_topic("lagging")
    produce(topic, [kyc(f"lag-{n}") for n in range(6)])

    consume(topic, 2, batch_size=2)

    lag = [
        point.value
        for point in points(telemetry_metrics, "casemgmt.consumer.lag")
        if point.attributes["messaging.destination.name"] == topic
    ]
    assert lag == [4]


def gauge(reader: InMemoryMetricReader, name: str, **attributes) -> list:
    return [
        point.value
        for point in points(reader, name)
        if all(point.attributes.get(key) == value for key, value in attributes.items())
    ]


def test_outbox_and_open_case_gauges_report_an_undeliverable_notification(
    telemetry_metrics, notification_topic
):
    record = InboundRecord("direct", 0, 7, kyc("gauged"), b"gauged")
    record_outcomes(process_batch([record]))
    failed_before = counted(telemetry_metrics, "casemgmt.notifications.failed")
    relay = NotificationRelay(f"127.0.0.1:{closed_port()}", delivery_timeout=1.0)

    report = relay.relay_pending()
    open_cases_gauge_hook(every=0)()

    assert report.failed == 1
    assert counted(telemetry_metrics, "casemgmt.notifications.failed") == failed_before + 1
    assert gauge(telemetry_metrics, "casemgmt.notifications.pending") == [1]
    (age,) = gauge(telemetry_metrics, "casemgmt.outbox.oldest_age")
    assert 0 < age < 120
    assert gauge(telemetry_metrics, "casemgmt.cases.open", **{"casemgmt.case.status": "OPEN"}) == [
        1
    ]


def test_open_case_gauge_skips_its_counts_while_no_reader_exports_metrics(telemetry_metrics):
    def open_cases() -> list[int]:
        return gauge(telemetry_metrics, "casemgmt.cases.open", **{"casemgmt.case.status": "OPEN"})

    record_outcomes(process_batch([InboundRecord("direct", 0, 8, kyc("gauge-a"), b"a")]))
    open_cases_gauge_hook(every=0)()
    (before,) = open_cases()
    record_outcomes(process_batch([InboundRecord("direct", 0, 9, kyc("gauge-b"), b"b")]))

    assert metrics_exported()  # the suite's in-memory reader
    open_cases_gauge_hook(every=0, exported=lambda: False)()
    assert open_cases() == [before]
    open_cases_gauge_hook(every=0)()
    assert open_cases() == [before + 1]


# --- Logs ---------------------------------------------------------------------------------------


def personal_values(payload: dict) -> set[str]:
    """Names and birthdates of every person in a sample, owners' person details included."""
    people = list(payload.get("persons") or [])
    people += [
        owner.get("person_details") or {} for owner in payload.get("beneficial_owners") or []
    ]
    values = set()
    for person in people:
        for field in ("firstname", "lastname", "birthdate"):
            if isinstance(person.get(field), str) and len(person[field]) > 2:
                values.add(person[field])
    return values


@pytest.fixture
def captured_logs():
    """The JSON stream at INFO, as the service writes it to stderr."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def test_logs_of_a_full_sample_ingest_are_json_with_trace_ids_and_no_personal_data(
    spans, make_topic, captured_logs, document_rules, monkeypatch
):
    valid, invalid = sorted(SAMPLES.glob("valid/*.json")), sorted(SAMPLES.glob("invalid/*.json"))
    values = [path.read_bytes() for path in valid + invalid]
    secrets: set[str] = set()
    for value in values:
        try:
            secrets |= personal_values(json.loads(value))
        except (ValueError, AttributeError, TypeError):
            continue
    victim = next(json.loads(v) for v in values[: len(valid)] if json.loads(v).get("persons"))
    leaked_name = victim["persons"][0]["firstname"]
    real = services.handle_create_case

    def handle(command, *args):  # an error whose text quotes a person must not reach the logs
        if command.message.client_id == victim["client_id"]:
            raise ValueError(f"cannot open a case for {leaked_name}")
        return real(command, *args)

    monkeypatch.setattr(services, "handle_create_case", handle)
    topic = make_topic("logged")
    produce(topic, values)

    consume(topic, len(values))

    lines = captured_logs.getvalue().splitlines()
    assert lines
    entries = [json.loads(line) for line in lines]  # every line parses
    batch_spans = {
        hex_id(s.context.span_id, 16)
        for s in spans.get_finished_spans()
        if s.name == "casemgmt.consume.batch"
    }
    committed = [e for e in entries if e["message"] == "batch committed"]
    assert committed and all(e["span_id"] in batch_spans and e["trace_id"] for e in committed)
    failed = [e for e in entries if e["message"] == "record failed"]
    assert failed and failed[0]["exc_type"] == "ValueError"
    text = captured_logs.getvalue()
    assert secrets and not [secret for secret in secrets if secret in text]
    dead_letters = read_topic(f"{topic}.dlq", expected=len(invalid) + 1, seconds=10)
    header_text = " ".join(
        (value or b"").decode("utf-8", "replace") for m in dead_letters for _, value in m.headers()
    )
    assert dead_letters and leaked_name not in header_text


# --- Silence --------------------------------------------------------------------------------------

SILENT_RUN = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from casemgmt_project.telemetry import configure_consumer, tracing_enabled
state = configure_consumer()
call_command("produce_sample_events", count=3, topic=sys.argv[1], seed=1)
print(json.dumps({"exporters": state.exporters, "recording": tracing_enabled()}))
"""


def test_without_otel_variables_nothing_is_exported_and_only_json_reaches_stderr(make_topic):
    topic = make_topic("silent")
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    env["DJANGO_SETTINGS_MODULE"] = "casemgmt_project.settings_test"
    env["LOG_LEVEL"] = "DEBUG"  # librdkafka's debug chatter included: it must be JSON too

    done = subprocess.run(
        [sys.executable, "-c", SILENT_RUN, topic],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout.splitlines()
    assert out[0].startswith("produced 3 record(s)")
    assert json.loads(out[1]) == {"exporters": [], "recording": False}
    assert len(out) == 2
    for line in done.stderr.splitlines():
        json.loads(line)


# --- Scrape endpoint ------------------------------------------------------------------------------


def test_metrics_endpoint_is_off_without_a_token_and_needs_the_bearer_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404

    settings.METRICS_TOKEN = "scrape-secret"
    refused = client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong")
    scraped = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")

    assert refused.status_code == 401 and "bearer token" in refused.json()["detail"]
    assert scraped.status_code == 200
    assert scraped["Content-Type"].startswith("text/plain")
    assert b"# TYPE" in scraped.content


def test_health_probes_leave_no_request_spans_behind(spans, client):
    assert client.get("/health").status_code == 200
    assert client.get("/api/v1/cases").status_code in (401, 403)

    served = [
        s.attributes.get("http.route")
        for s in spans.get_finished_spans()
        if s.kind.name == "SERVER"
    ]
    assert len(served) == 1 and "health" not in str(served)
