#!/usr/bin/env python
"""Ingest throughput with tracing off and on: the cost of spans on the hot path (SPEC §8).

Runs scripts/benchmark_ingest.py's configuration (fresh database and topic, the real consumer)
once per mode, each in its own process: `off` is production without OTEL_* variables (the
recording gate is closed), `memory` records every span into an in-memory exporter behind the
batch processor, as the OTLP exporter would, without the network. Figures are printed with
the ratio to `off`; compare within one run. Services must be up.

    .venv/bin/python scripts/benchmark_telemetry.py --count 1000 --modes off,memory,off,memory
"""

import argparse
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_one(mode: str, count: int, batch_size: int) -> dict:
    """In this (child) process: configure telemetry for `mode`, then one benchmark run."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from casemgmt_project.telemetry import attach_span_exporter, configure_telemetry

    configure_telemetry("casemgmt-benchmark")
    exporter = InMemorySpanExporter()
    detach = attach_span_exporter(exporter, batch=True) if mode == "memory" else None
    from scripts.benchmark_ingest import run  # sets Django up, opens nothing yet

    result = run(count, batch_size, seed=7, invalid_ratio=0.05)
    if detach is not None:
        detach()  # flushes the batch processor, so every span is counted
    result["mode"] = mode
    result["spans"] = len(exporter.get_finished_spans())
    return result


def tracing_cost(mode: str, count: int) -> float:
    """Microseconds per record of the ingest tracing alone (no broker, no database)."""
    import time

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
    import django
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from casemgmt_project.telemetry import attach_span_exporter, configure_telemetry

    configure_telemetry("casemgmt-benchmark")
    detach = attach_span_exporter(InMemorySpanExporter(), batch=True) if mode == "memory" else None
    django.setup()
    from cases.core.phases import phase
    from kafka_integration.records import InboundRecord, RecordOutcome
    from kafka_integration.tracing import RecordTracing

    header = (("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),)
    records = [InboundRecord("bench", 0, n, b"{}", b"key", header) for n in range(count)]
    started = time.perf_counter()
    for start in range(0, count, 500):
        batch = records[start : start + 500]
        tracing = RecordTracing(len(batch))
        for record in batch:
            with tracing.validating(tracing.start(record)):
                pass
        with tracing.phases() as phases:
            for name in ("casemgmt.command.handle", "casemgmt.events.append"):
                with phase(name):
                    pass
        for record in batch:
            tracing.traceparent(record)
        tracing.finish([RecordOutcome(record, "PROCESSED") for record in batch], phases)
    elapsed = time.perf_counter() - started
    if detach is not None:
        detach()
    return elapsed / count * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--modes", default="off,memory")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--micro", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.count, args.batch_size)))
        return 0
    if args.micro:
        print(json.dumps({"mode": args.micro, "us": tracing_cost(args.micro, 20_000)}))
        return 0

    results = []
    for mode in args.modes.split(","):
        env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
        env["CASEMGMT_TEST_RUN_ID"] = f"bench_{uuid.uuid4().hex[:8]}"
        env.setdefault("LOG_LEVEL", "WARNING")
        command = [sys.executable, __file__, "--one", mode, "--count", str(args.count)]
        command += ["--batch-size", str(args.batch_size)]
        output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        results.append(json.loads(output.stdout.strip().splitlines()[-1]))

    micro = {}
    for mode in ("off", "memory"):
        command = [sys.executable, __file__, "--micro", mode]
        output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        micro[mode] = json.loads(output.stdout.strip().splitlines()[-1])["us"]
    print(
        "ingest tracing alone (20,000 records with a traceparent, no I/O): "
        f"off {micro['off']:.1f} us/record, recording {micro['memory']:.1f} us/record"
    )
    base = next(r for r in results if r["mode"] == "off")["records_per_second"]
    print(f"records per run: {args.count}; batch size: {args.batch_size}")
    print(f"{'mode':>7} {'records':>8} {'seconds':>8} {'rec/s':>8} {'vs off':>7} {'spans':>7}")
    for r in results:
        print(
            f"{r['mode']:>7} {r['records']:>8} {r['seconds']:>8.1f} "
            f"{r['records_per_second']:>8.1f} {r['records_per_second'] / base:>6.2f}x "
            f"{r['spans']:>7}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
