#!/usr/bin/env python
"""Ingest throughput: records/second of one consumer, for each batch size, side by side.

Each configuration gets a fresh database and topic holding the same seeded records, and runs
the real consumer (broker, dead-letter topic, database) in this process. Figures are printed;
compare them as ratios within one run, since absolute speed depends on the machine and, on the
local FerretDB, on the collection sizes (docs/performance.md). Services must be up.

    .venv/bin/python scripts/benchmark_ingest.py --count 10000 --batch-sizes 500,50
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from confluent_kafka import Producer  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402

from cases.models import Case, RawEvent  # noqa: E402
from kafka_integration.consumer import CaseEventConsumer, ConsumerOptions  # noqa: E402
from kafka_integration.sample_events import sample_event  # noqa: E402
from kafka_integration.topics import ensure_topics  # noqa: E402


def produce(topic: str, count: int, seed: int, invalid_ratio: float) -> None:
    ensure_topics(settings.KAFKA_BOOTSTRAP_SERVERS, [topic, f"{topic}.dlq"], 4)
    producer = Producer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS, "acks": "all"})
    rng = random.Random(seed)
    for index in range(count):
        key, value = sample_event(rng, index, 0.4, invalid_ratio)
        while True:
            try:
                producer.produce(topic, key=key, value=value)
                break
            except BufferError:
                producer.poll(0.1)
    assert producer.flush(60) == 0


def run(count: int, batch_size: int, seed: int, invalid_ratio: float) -> dict:
    """One configuration, in this process, on the fresh database settings_test names."""
    run_id = uuid.uuid4().hex[:8]
    topic = f"bench.{run_id}"
    call_command("migrate", verbosity=0)
    produce(topic, count, seed, invalid_ratio)
    consumer = CaseEventConsumer(
        ConsumerOptions(
            bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
            topic=topic,
            group_id=f"bench-{run_id}",
            dlq_topic=f"{topic}.dlq",
            batch_size=batch_size,
            max_messages=count,
            idle_timeout=30,
            stats_interval=3600,
        )
    )
    started = time.perf_counter()
    stats = consumer.run()
    elapsed = time.perf_counter() - started
    result = {
        "batch_size": batch_size,
        "records": stats.consumed,
        "seconds": elapsed,
        "records_per_second": stats.consumed / elapsed,
        "cases": Case.objects.count(),
        "rejected": RawEvent.objects.filter(status="REJECTED").count(),
    }
    connections["default"].database.client.drop_database(settings.DATABASES["default"]["NAME"])
    return result


def run_isolated(args: argparse.Namespace, batch_size: int) -> dict:
    """Each configuration runs in its own process, on its own database and topic."""
    env = {**os.environ, "CASEMGMT_TEST_RUN_ID": f"bench_{uuid.uuid4().hex[:8]}"}
    command = [sys.executable, __file__, "--one", str(batch_size), "--count", str(args.count)]
    command += ["--seed", str(args.seed), "--invalid-ratio", str(args.invalid_ratio)]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--batch-sizes", default="500,50")
    parser.add_argument("--invalid-ratio", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(args.count, args.one, args.seed, args.invalid_ratio)))
        return 0
    sizes = [int(size) for size in args.batch_sizes.split(",")]

    server = connections["default"].database.client.admin.command("buildInfo")
    kind = "FerretDB" if "ferretdbVersion" in server else f"MongoDB {server['version']}"
    print(f"server: {kind}; records per run: {args.count}; invalid ratio: {args.invalid_ratio}")
    results = [run_isolated(args, size) for size in sizes]
    base = results[0]["records_per_second"]
    print(f"{'batch':>6} {'records':>8} {'seconds':>8} {'rec/s':>8} {'vs first':>9} {'cases':>6}")
    for r in results:
        ratio = r["records_per_second"] / base
        print(
            f"{r['batch_size']:>6} {r['records']:>8} {r['seconds']:>8.1f} "
            f"{r['records_per_second']:>8.1f} {ratio:>8.2f}x {r['cases']:>6}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
