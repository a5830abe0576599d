#!/usr/bin/env python
"""Ingest benchmark: the pipeline beside the server's and the broker's own limits (issue #13).

For each preload size K (records' worth of history stored once, by direct bulk inserts, into
one database that every phase of that size then shares) and each repeat, on fresh topics:
  consume limit  a bare confluent-kafka consumer reading, decoding and validating all N records;
  write limit    the documents the pipeline writes for those N, bulk-inserted with pymongo in the
                 pipeline's batch size, into the same server and collections with the same indexes;
  pipeline       the real consumer (as `manage.py consume_kafka` runs it) on all N: rec/s,
                 produce->visible p50/p99, peak RSS, database commands per batch;
  baseline       the same consumer forced to one record per batch, with a synchronous commit each;
  primitives     the server's own find by `_id` at the size reached;
  paced (K=0)    records produced at --rate while the consumer runs: produce->visible at that load.
Then REST API reads (list first page, list 50 pages deep by cursor, case detail) at each
--api-cases size beside the server's find by `_id` (a growth preload of about that many cases
is reused), and with --rss-counts A,B the consumer's peak RSS after A and after B records.
Medians of --repeat runs, ratios and PASS/FAIL per target are printed; --json and --plot save
them. Every measured part runs in its own process (so RSS is the consumer's alone).

Services must be up. The defaults are the issue's (hours on FerretDB); a smoke run:

    .venv/bin/python scripts/benchmark_ingest.py --count 200 --repeat 1 --preload 0,1000 \\
        --baseline-count 5 --paced-count 50 --rate 50 --api-cases 100,950 --api-requests 5 \\
        --rss-counts 100,300 --json /tmp/bench.json --plot /tmp/bench.png
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
# Production's setting, whatever the clone's .env says (run.sh writes DEBUG=true): with DEBUG
# on, Django copies and keeps every database operation, documents included, in every process.
os.environ["DEBUG"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")


def _django() -> None:
    import django

    django.setup()


def run_steps(steps: list[dict]) -> dict:
    """Child side: run phases in order (this process's database), return their results."""
    _django()
    from scripts.bench import phases

    results = {}
    for step in steps:
        name = step.pop("phase")
        results[name] = getattr(phases, name)(**step)
    return results


BASELINE_START = 40_000_000  # the per-message baseline's clients (see phases.produce)


def child(database: str, *steps: dict) -> dict:
    """Run phases in a fresh process on database `database` (a settings_test run id)."""
    env = {**os.environ, "CASEMGMT_TEST_RUN_ID": database}
    command = [sys.executable, __file__, "--steps", json.dumps(list(steps))]
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)  # bars: stderr
    if done.returncode != 0:
        raise SystemExit(f"benchmark phase failed: {[s['phase'] for s in steps]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_size(args: argparse.Namespace, preload: int, api: bool) -> dict:
    """All repeats at one preload size, on one database preloaded once with `preload` records.

    Every phase of every repeat writes its own records (disjoint clients and ids), so the
    database grows by about 2 N per repeat; the write limit goes first, the pipeline right
    after it, each a size apart of N at most (K >> N in a growth run). With `api`, the API
    reads are measured right after the preload.
    """
    from scripts.bench import phases

    tag = f"{uuid.uuid4().hex[:6]}"
    database = f"bench_{tag}_p"
    steps = [{"phase": "setup", "preload": preload, "seed": args.seed}]
    if api:
        steps.append({"phase": "api_latency", "requests": args.api_requests})
    prepared = child(database, *steps)
    runs = []
    for repeat in range(args.repeat):
        seed, topic = args.seed + repeat, f"bench.{tag}.{repeat}"
        start = 2 * repeat * args.count
        limit = {"phase": "write_limit", "count": args.count, "batch_size": args.batch_size}
        run: dict = child(database, limit | {"seed": seed, "start": start + args.count})
        phases.produce(topic, args.count, seed, start=start)
        pipeline = {"phase": "pipeline", "topic": topic, "count": args.count}
        pipeline |= {"batch_size": args.batch_size, "poll_timeout": args.poll_timeout}
        if args.profile and repeat == 0:
            pipeline["profile"] = f"{args.profile}.{preload}.txt"
        run["pipeline"] = child(database, pipeline)["pipeline"]
        steps = [{"phase": "consume_limit", "topic": topic, "count": args.count}]
        if repeat == 0:  # the primitives once per size
            steps.append({"phase": "primitives"})
        run |= child(database, *steps)
        if args.baseline_count:
            baseline_topic = f"{topic}.one"
            first = BASELINE_START + repeat * args.baseline_count
            phases.produce(baseline_topic, args.baseline_count, seed + 100, start=first)
            one = {"phase": "pipeline", "topic": baseline_topic, "count": args.baseline_count}
            one |= {"batch_size": 1, "poll_timeout": args.poll_timeout}
            run["baseline"] = child(database, one)["pipeline"]
        if preload == 0 and args.paced_count and args.rate:
            paced_db = f"bench_{tag}_r{repeat}"
            child(paced_db, {"phase": "setup", "preload": 0, "seed": seed})
            paced = {"phase": "pipeline", "topic": f"{topic}.paced", "count": args.paced_count}
            paced |= {"batch_size": args.batch_size, "poll_timeout": args.poll_timeout}
            run["paced"] = child(paced_db, paced | {"rate": args.rate})["pipeline"]
            child(paced_db, {"phase": "drop"})
        runs.append(run)
        print(f"preload {preload:,}: repeat {repeat + 1}/{args.repeat} done", file=sys.stderr)
    child(database, {"phase": "drop"})
    return {"runs": runs, "setup": prepared.get("setup"), "api": prepared.get("api_latency")}


def api_run(args: argparse.Namespace, cases: int) -> dict:
    """API reads with about `cases` cases stored (a preload of that many valid records)."""
    from scripts.bench import documents

    database = f"bench_{uuid.uuid4().hex[:6]}_a"
    records = round(cases / (1 - documents.INVALID_RATIO))
    return child(
        database,
        {"phase": "setup", "preload": records, "seed": args.seed},
        {"phase": "api_latency", "requests": args.api_requests},
        {"phase": "drop"},
    )


def rss_run(args: argparse.Namespace, count: int) -> dict:
    """The pipeline alone on `count` records into an empty database: its peak RSS."""
    from scripts.bench import phases

    tag = uuid.uuid4().hex[:6]
    database, topic = f"bench_{tag}_m", f"bench.{tag}.rss"
    child(database, {"phase": "setup", "preload": 0, "seed": args.seed})
    phases.produce(topic, count, args.seed)
    step = {"phase": "pipeline", "topic": topic, "count": count}
    step |= {"batch_size": args.batch_size, "poll_timeout": args.poll_timeout}
    result = child(database, step)["pipeline"]
    child(database, {"phase": "drop"})
    result.pop("timeline", None)
    return result


def _preload_for(cases: int, preloads: list[int]) -> int | None:
    """A growth preload whose valid records give `cases` cases within 10 %, to reuse."""
    from scripts.bench import documents

    for preload in preloads:
        if preload and abs(preload * (1 - documents.INVALID_RATIO) - cases) <= 0.1 * cases:
            return preload
    return None


def _sizes(text: str) -> list[int]:
    return [int(size) for size in text.split(",") if size.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="records per run")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--poll-timeout", type=float, default=0.2, help="consumer poll, s")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; medians reported")
    parser.add_argument("--preload", default="0", help="comma-separated K, e.g. 0,20000,100000")
    parser.add_argument("--baseline-count", type=int, default=400, help="0 skips the baseline")
    parser.add_argument("--rate", type=float, default=100.0, help="paced run's offered rec/s")
    parser.add_argument("--paced-count", type=int, default=3000, help="0 skips the paced run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="write every figure to this path")
    parser.add_argument("--plot", help="write a PNG (matplotlib) to this path")
    parser.add_argument("--profile", help="pyinstrument report of the pipeline: PATH.<K>.txt")
    parser.add_argument(
        "--api-cases", default="1000,100000", help="cases stored for API latency; '' skips"
    )
    parser.add_argument("--api-requests", type=int, default=50, help="samples per API read")
    parser.add_argument(
        "--rss-counts", default="", help="two record counts whose consumer peak RSS to compare"
    )
    parser.add_argument("--steps", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps:
        print(json.dumps(run_steps(json.loads(args.steps))))
        return 0

    began = time.monotonic()
    _django()
    from django.db import connections

    from scripts.bench import report

    build = connections["default"].database.client.admin.command("buildInfo")
    server = "FerretDB v2 (DocumentDB)" if "ferretdb" in build else f"MongoDB {build['version']}"
    api_sizes = _sizes(args.api_cases)
    served = {cases: _preload_for(cases, _sizes(args.preload)) for cases in api_sizes}
    by_preload: dict[int, dict] = {}
    by_cases: dict[int, dict] = {}
    for preload in _sizes(args.preload):
        measured = measure_size(args, preload, api=preload in served.values())
        runs = measured["runs"]
        for cases, source in served.items():
            if source == preload:
                by_cases[cases] = measured["api"]
        summary = report.medians(runs)
        middle = sorted(runs, key=lambda r: r["pipeline"]["records_per_second"])[len(runs) // 2]
        by_preload[preload] = {
            "summary": summary,
            "ratios": report.ratios(summary),
            "timeline": middle["pipeline"]["timeline"],
            "preload_seconds": (measured["setup"] or {}).get("preload_seconds"),
            "runs": runs,
        }
        print(f"measured preload {preload:,}", file=sys.stderr)

    for cases in api_sizes:
        if cases not in by_cases:
            by_cases[cases] = api_run(args, cases)["api_latency"]
            print(f"measured API at {cases:,} cases", file=sys.stderr)
    by_count = {}
    for count in _sizes(args.rss_counts):
        by_count[count] = rss_run(args, count)
        print(f"measured RSS at {count:,} records", file=sys.stderr)

    print(report.table(by_preload, server, args.count, args.batch_size))
    if by_cases:
        print(report.api_table(by_cases))
    if by_count:
        print(report.rss_table(by_count))
    verdicts = report.targets(by_preload, by_cases, by_count)
    for verdict in verdicts:
        print(f"{verdict['result']:>4}  {verdict['target']}: {verdict['figure']}")
    if args.json:
        document = {"server": server, "arguments": vars(args), "targets": verdicts}
        document["by_preload"] = {str(k): v for k, v in by_preload.items()}
        document["api_by_cases"] = {str(k): v for k, v in by_cases.items()}
        document["rss_by_count"] = {str(k): v for k, v in by_count.items()}
        Path(args.json).write_text(json.dumps(document, indent=2, default=str))
    if args.plot:
        report.plot(by_preload, args.plot)
    print(f"wall time: {(time.monotonic() - began) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
