"""The benchmark's measurements; each runs in its own process (see benchmark_ingest.py).

A phase prints one JSON object on its last line. Peak RSS is the process's own maximum, so
the pipeline phase measures the consumer alone (preloading and producing happen elsewhere).
"""

from __future__ import annotations

import os
import resource
import statistics
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Producer
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from pymongo import monitoring

from casemgmt_project.progress import ProgressBar
from cases.documents.rules import load_document_rules, seed_document_rules
from cases.intake.contract import MessageRejected
from cases.models import Case, DocumentRule, RawEvent
from kafka_integration import ingest
from kafka_integration.consumer import CaseEventConsumer, ConsumerOptions
from kafka_integration.relays import consumer_background_hooks
from kafka_integration.schemas import parse_message
from kafka_integration.topics import ensure_topics
from scripts.bench import documents

HOUSEKEEPING = frozenset({"hello", "ismaster", "isMaster", "ping", "buildInfo", "endSessions"})


class CommandCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in HOUSEKEEPING:
            self.count += 1

    def succeeded(self, event: Any) -> None:
        pass

    def failed(self, event: Any) -> None:
        pass


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def database() -> Any:
    return connections[DEFAULT_DB_ALIAS].database


def setup(preload: int, seed: int) -> dict:
    """A fresh database with the schema, the default rules and `preload` records of history."""
    call_command("migrate", verbosity=0)
    seed_document_rules(DocumentRule)
    if os.environ.get("CASEMGMT_BENCH_RISK") == "off":
        # Cases open unrated without a risk model (SPEC §3d): the path before rating existed.
        from cases.models import RiskModel

        RiskModel.objects.all().delete()
    started = time.perf_counter()
    if preload:
        documents.preload(preload, seed, on_progress=ProgressBar("records preloaded"))
    return {"preload": preload, "preload_seconds": time.perf_counter() - started}


def api_latency(requests: int) -> dict:
    """REST API reads on the cases stored (a preload's), beside the server's find by `_id`."""
    from scripts.bench import api

    figures = api.measure_reads(requests)
    figures["cases_stored"] = database()[Case._meta.db_table].estimated_document_count()
    return figures


def produce(topic: str, count: int, seed: int, rate: float | None = None, start: int = 0) -> float:
    """Send the sample records (4 partitions); at `rate` records/s if given. Returns seconds.

    `start`: the first record's index, which names its client: runs sharing a database use
    disjoint ranges, so every record opens a new case (no routing to a preloaded one).
    """
    ensure_topics(settings.KAFKA_BOOTSTRAP_SERVERS, [topic, f"{topic}.dlq"], 4)
    producer = Producer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS, "acks": "all"})
    started = time.perf_counter()
    for index, record in enumerate(documents.sample_records(topic, count, seed, start)):
        if rate:
            time.sleep(max(0.0, started + index / rate - time.perf_counter()))
        while True:
            try:
                producer.produce(topic, key=record.key, value=record.value)
                producer.poll(0)
                break
            except BufferError:
                producer.poll(0.1)
    assert producer.flush(60) == 0
    return time.perf_counter() - started


class _Timed:
    """Wraps ingest.process_batch to note when each record became visible (read models written).

    Instrumentation only: the real function runs unchanged, and the consumer is the real one.
    """

    def __init__(self, expected: int) -> None:
        self.progress = ProgressBar("records consumed")
        self.expected = expected
        self.latencies_ms: list[float] = []
        self.timeline: list[tuple[float, int]] = []  # (seconds since first batch, records)
        self.first: float | None = None
        self.records = 0
        self._real = ingest.process_batch

    def __call__(self, records: list, **kwargs: Any) -> list:
        if self.first is None:
            self.first = time.perf_counter()
            self.progress(0, self.expected)
        outcomes = self._real(records, **kwargs)
        visible = time.time()
        for record in records:
            if record.timestamp is not None:
                self.latencies_ms.append((visible - record.timestamp.timestamp()) * 1000)
        self.records += len(records)
        self.timeline.append((time.perf_counter() - self.first, self.records))
        self.progress(min(self.records, self.expected), self.expected)
        return outcomes


class _AssignedConsumer(CaseEventConsumer):
    """Tells a paced producer when the partitions are assigned."""

    assigned = threading.Event()

    def _on_assign(self, consumer: Any, partitions: list) -> None:
        super()._on_assign(consumer, partitions)
        self.assigned.set()


def pipeline(
    topic: str,
    count: int,
    batch_size: int,
    poll_timeout: float,
    *,
    rate: float | None = None,
    profile: str | None = None,
) -> dict:
    """The real consumer on `count` records of `topic` (produced at `rate` meanwhile, if set).

    With `profile`, pyinstrument samples the run and writes its text report to that path.
    """
    counter = CommandCounter()
    monitoring.register(counter)
    connections[DEFAULT_DB_ALIAS].close()  # the next client carries the listener
    timed = _Timed(count)
    ingest.process_batch = timed
    run_id = uuid.uuid4().hex[:8]
    consumer = _AssignedConsumer(
        ConsumerOptions(
            bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
            topic=topic,
            group_id=f"bench-{run_id}",
            dlq_topic=f"{topic}.dlq",
            batch_size=batch_size,
            poll_timeout=poll_timeout,
            max_messages=count,
            idle_timeout=60,
            stats_interval=3600,
        ),
        background_hooks=consumer_background_hooks(),  # as consume_kafka runs it
    )
    producer = None
    ensure_topics(settings.KAFKA_BOOTSTRAP_SERVERS, [settings.NOTIFICATION_KAFKA_TOPIC], 4)
    if rate:
        ensure_topics(settings.KAFKA_BOOTSTRAP_SERVERS, [topic, f"{topic}.dlq"], 4)

        def paced() -> None:
            consumer.assigned.wait(120)
            produce(topic, count, seed=11, rate=rate)

        producer = threading.Thread(target=paced, daemon=True)
        producer.start()
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    stats = consumer.run()
    ended = time.perf_counter()
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=False, show_all=False))
    commands = counter.count
    ingest.process_batch = timed._real
    rss = peak_rss_mb()
    if producer is not None:
        producer.join(60)
    elapsed = ended - (timed.first or ended)
    return {
        "records": stats.consumed,
        "batches": stats.batches,
        "seconds": elapsed,
        "records_per_second": stats.consumed / elapsed if elapsed else 0.0,
        "latency_p50_ms": percentile(timed.latencies_ms, 0.50),
        "latency_p99_ms": percentile(timed.latencies_ms, 0.99),
        "peak_rss_mb": rss,
        "commands_per_batch": commands / max(1, stats.batches),
        "timeline": timed.timeline,
        "cases": database()[Case._meta.db_table].estimated_document_count(),
    }


def consume_limit(topic: str, count: int) -> dict:
    """A bare consumer that reads, decodes and validates every record; no database."""
    consumer = Consumer(
        {
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
            "group.id": f"bench-bare-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    seen = valid = 0
    first = None
    try:
        while seen < count:
            for message in consumer.consume(num_messages=500, timeout=1.0):
                if message.error() is not None:
                    continue
                first = first or time.perf_counter()
                seen += 1
                try:
                    parse_message(message.value())
                    valid += 1
                except MessageRejected:
                    pass
        elapsed = time.perf_counter() - (first or time.perf_counter())
    finally:
        consumer.close()
    return {
        "records": seen,
        "valid": valid,
        "seconds": elapsed,
        "records_per_second": seen / elapsed,
    }


def write_limit(count: int, batch_size: int, seed: int, start: int = 0) -> dict:
    """The pipeline's documents for `count` records, bulk-inserted batch by batch with pymongo."""
    rules = load_document_rules()
    topic = f"limit.{uuid.uuid4().hex[:6]}"
    records = list(documents.sample_records(topic, count, seed, start))
    batches = [
        documents.documents_for(records[start : start + batch_size], rules)
        for start in range(0, len(records), batch_size)
    ]
    commands = 0
    started = time.perf_counter()
    for batch in batches:
        commands += documents.insert_documents(batch)
    elapsed = time.perf_counter() - started
    return {
        "records": count,
        "seconds": elapsed,
        "records_per_second": count / elapsed,
        "commands_per_batch": commands / len(batches),
    }


def spread_ids(collection: Any, samples: int) -> list[Any]:
    """`samples` ids spread evenly over the collection's storage order.

    The first documents would flatter a scanning server: a find by `_id` stops at its match,
    so ids near the start cost next to nothing however large the collection.
    """
    ids = [doc["_id"] for doc in collection.find({}, {"_id": 1})]
    if not ids:
        return []
    step = max(1, len(ids) // samples)
    return ids[step - 1 :: step][:samples]


def primitives(samples: int = 5) -> dict:
    """The server's own cost at the current size: one find by `_id` (median of `samples`)."""
    raw = database()[RawEvent._meta.db_table]
    ids = spread_ids(raw, samples)
    timings = []
    for pk in ids:
        started = time.perf_counter()
        raw.find_one({"_id": pk})
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "stored_raw_events": raw.estimated_document_count(),
        "find_by_id_ms": statistics.median(timings) if timings else None,
    }


def drop() -> None:
    database().client.drop_database(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])
