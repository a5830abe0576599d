#!/usr/bin/env python
"""Print one trace from an upstream producer to the notification record, as a span tree.

Runs the real pipeline in this process against the local services (private database and
topics, dropped afterwards) with an in-memory span exporter: a traced producer sends one KYC
record, the consumer turns it into a case, the relay publishes its notification. Then the
script prints every span of that trace (name, kind, span id, parent id), the notification
record's `traceparent`, and the relay's publish span linked to it. Services must be up.

    .venv/bin/python scripts/show_trace.py
"""

import contextlib
import json
import os
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
os.environ["CASEMGMT_TEST_RUN_ID"] = f"trace_{uuid.uuid4().hex[:8]}"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

from casemgmt_project.telemetry import attach_span_exporter, configure_telemetry  # noqa: E402

configure_telemetry("casemgmt-show-trace")  # before Django opens the database client
django.setup()

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)

from casemgmt_project.logging import with_librdkafka_logger  # noqa: E402
from kafka_integration.consumer import CaseEventConsumer, ConsumerOptions  # noqa: E402
from kafka_integration.notification_relay import NotificationRelay  # noqa: E402
from kafka_integration.telemetry import traced_producer  # noqa: E402
from kafka_integration.topics import ensure_topics  # noqa: E402
from tests.integration.helpers import read_topic  # noqa: E402

RECORD = {
    "client_id": "trace-demo",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Demo", "lastname": "Person"}],
}


def hex_id(value: int, digits: int) -> str:
    return format(value, f"0{digits}x")


def run_pipeline(topic: str) -> None:
    config = with_librdkafka_logger({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS})
    producer = traced_producer(Producer(config))
    producer.produce(topic, key=b"trace-demo", value=json.dumps(RECORD).encode())
    assert producer.flush(30) == 0
    relay = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS)
    CaseEventConsumer(
        ConsumerOptions(
            bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
            topic=topic,
            group_id=f"show-trace-{uuid.uuid4().hex[:6]}",
            dlq_topic=f"{topic}.dlq",
            max_messages=1,
            idle_timeout=20,
            poll_timeout=0.5,
        ),
        background_hooks=[relay.relay_pending],
    ).run()


def print_tree(spans, trace_id: int) -> None:
    mine = sorted((s for s in spans if s.context.trace_id == trace_id), key=lambda s: s.start_time)
    ids = {s.context.span_id for s in mine}
    children: dict[int | None, list] = {}
    for span in mine:
        parent = span.parent.span_id if span.parent and span.parent.span_id in ids else None
        children.setdefault(parent, []).append(span)

    def show(span, depth: int) -> None:
        parent = hex_id(span.parent.span_id, 16) if span.parent else "-" * 16
        millis = (span.end_time - span.start_time) / 1e6
        print(
            f"  {'  ' * depth}{span.name:<{48 - 2 * depth}} {span.kind.name:<9} "
            f"span={hex_id(span.context.span_id, 16)} parent={parent} {millis:7.1f} ms"
        )
        for child in children.get(span.context.span_id, []):
            show(child, depth + 1)

    for root in children.get(None, []):
        show(root, 0)


def main() -> int:
    exporter = InMemorySpanExporter()
    attach_span_exporter(exporter)
    topic = f"trace-demo.{uuid.uuid4().hex[:8]}"
    settings.NOTIFICATION_KAFKA_TOPIC = f"{topic}.notifications"
    call_command("migrate", verbosity=0)  # seeds the default rules: notify on every new case
    ensure_topics(settings.KAFKA_BOOTSTRAP_SERVERS, [topic, settings.NOTIFICATION_KAFKA_TOPIC], 1)
    try:
        run_pipeline(topic)
        (message,) = read_topic(settings.NOTIFICATION_KAFKA_TOPIC, expected=1, seconds=15)
    finally:
        admin = AdminClient(
            with_librdkafka_logger({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS})
        )
        names = [topic, f"{topic}.dlq", settings.NOTIFICATION_KAFKA_TOPIC]
        for future in admin.delete_topics(names).values():
            with contextlib.suppress(Exception):  # a topic never created: nothing to delete
                future.result(30)
        connections["default"].database.client.drop_database(settings.DATABASES["default"]["NAME"])

    spans = exporter.get_finished_spans()
    headers = {name: (value or b"").decode() for name, value in message.headers()}
    traceparent = headers["traceparent"]
    trace_id = int(traceparent.split("-")[1], 16)
    print(f"trace {hex_id(trace_id, 32)}  (producer -> consumer -> case -> notification)")
    print_tree(spans, trace_id)
    print(f"\nnotification record on {message.topic()} offset {message.offset()}:")
    print(f"  traceparent={traceparent} event_id={headers['event_id']}")
    for span in spans:
        if span.name == "casemgmt.consume.batch":
            inside = [s for s in spans if s.parent and s.parent.span_id == span.context.span_id]
            print(
                f"\nbatch span {hex_id(span.context.span_id, 16)} (trace "
                f"{hex_id(span.context.trace_id, 32)}, linked from the processing span): "
                f"{len(inside)} child span(s), e.g. {sorted({s.name for s in inside})[:4]}"
            )
    for span in spans:
        if span.name == "casemgmt.notification.publish":
            links = ", ".join(
                f"{hex_id(link.context.trace_id, 32)}/{hex_id(link.context.span_id, 16)}"
                for link in span.links
            )
            print(
                f"relay publish span {hex_id(span.context.span_id, 16)} "
                f"(trace {hex_id(span.context.trace_id, 32)}) links to {links}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
