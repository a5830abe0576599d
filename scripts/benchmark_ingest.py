#!/usr/bin/env python
"""Ingest benchmark: the pipeline beside the server's and the broker's own limits (issue #13).

For each preload size K (records' worth of history already stored) and each repeat, on fresh
databases and topics:
  consume limit  a bare confluent-kafka consumer reading, decoding and validating all N records;
  write limit    the documents the pipeline writes for those N, bulk-inserted with pymongo in the
                 pipeline's batch size, into the same server and collections with the same indexes;
  pipeline       the real consumer (as `manage.py consume_kafka` runs it) on all N: rec/s,
                 produce->visible p50/p99, peak RSS, database commands per batch;
  baseline       the same consumer forced to one record per batch, with a synchronous commit each;
  primitives     the server's own find by `_id` at the size reached;
  paced (K=0)    records produced at --rate while the consumer runs: produce->visible at that load.
Medians of --repeat runs, ratios and PASS/FAIL per target are printed; --json and --plot save
them. Every measured part runs in its own process (so RSS is the consumer's alone).

Services must be up. The defaults are the issue's; a quick run on a shared laptop:

    .venv/bin/python scripts/benchmark_ingest.py --count 1000 --repeat 1 --preload 0,2000 \\
        --baseline-count 100 --paced-count 300 --json /tmp/bench.json --plot /tmp/bench.png
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
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


def child(database: str, *steps: dict) -> dict:
    """Run phases in a fresh process on database `database` (a settings_test run id)."""
    env = {**os.environ, "CASEMGMT_TEST_RUN_ID": database}
    command = [sys.executable, __file__, "--steps", json.dumps(list(steps))]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"benchmark phase failed: {[s['phase'] for s in steps]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def one_run(args: argparse.Namespace, preload: int, repeat: int) -> dict:
    from scripts.bench import phases

    tag = f"{uuid.uuid4().hex[:6]}"
    seed = args.seed + repeat
    run: dict = {}

    main_db, topic = f"bench_{tag}_p", f"bench.{tag}"
    child(main_db, {"phase": "setup", "preload": preload, "seed": seed})
    phases.produce(topic, args.count, seed)
    pipeline = {"phase": "pipeline", "topic": topic, "count": args.count}
    pipeline |= {"batch_size": args.batch_size, "poll_timeout": args.poll_timeout}
    if args.profile and repeat == 0:
        pipeline["profile"] = f"{args.profile}.{preload}.txt"
    run["pipeline"] = child(main_db, pipeline)["pipeline"]
    after = child(
        main_db,
        {"phase": "consume_limit", "topic": topic, "count": args.count},
        {"phase": "primitives"},
    )
    run |= after
    if args.baseline_count:
        baseline_topic = f"{topic}.one"
        phases.produce(baseline_topic, args.baseline_count, seed + 100)
        one = {"phase": "pipeline", "topic": baseline_topic, "count": args.baseline_count}
        one |= {"batch_size": 1, "poll_timeout": args.poll_timeout}
        run["baseline"] = child(main_db, one)["pipeline"]
    child(main_db, {"phase": "drop"})

    limit_db = f"bench_{tag}_w"
    run |= child(
        limit_db,
        {"phase": "setup", "preload": preload, "seed": seed},
        {"phase": "write_limit", "count": args.count, "batch_size": args.batch_size, "seed": seed},
        {"phase": "drop"},
    )

    if preload == 0 and args.paced_count and args.rate:
        paced_db = f"bench_{tag}_r"
        child(paced_db, {"phase": "setup", "preload": 0, "seed": seed})
        paced = {"phase": "pipeline", "topic": f"{topic}.paced", "count": args.paced_count}
        paced |= {"batch_size": args.batch_size, "poll_timeout": args.poll_timeout}
        run["paced"] = child(paced_db, paced | {"rate": args.rate})["pipeline"]
        child(paced_db, {"phase": "drop"})
    return run


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
    parser.add_argument("--steps", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps:
        print(json.dumps(run_steps(json.loads(args.steps))))
        return 0

    _django()
    from django.db import connections

    from scripts.bench import report

    build = connections["default"].database.client.admin.command("buildInfo")
    server = "FerretDB v1 (SQLite)" if "ferretdbVersion" in build else f"MongoDB {build['version']}"
    by_preload: dict[int, dict] = {}
    for preload in [int(k) for k in args.preload.split(",")]:
        runs = [one_run(args, preload, repeat) for repeat in range(args.repeat)]
        summary = report.medians(runs)
        middle = sorted(runs, key=lambda r: r["pipeline"]["records_per_second"])[len(runs) // 2]
        by_preload[preload] = {
            "summary": summary,
            "ratios": report.ratios(summary),
            "timeline": middle["pipeline"]["timeline"],
            "runs": runs,
        }
        print(f"measured preload {preload:,}", file=sys.stderr)

    print(report.table(by_preload, server, args.count, args.batch_size))
    verdicts = report.targets(by_preload)
    for verdict in verdicts:
        print(f"{verdict['result']:>4}  {verdict['target']}: {verdict['figure']}")
    if args.json:
        document = {"server": server, "arguments": vars(args), "targets": verdicts}
        document["by_preload"] = {str(k): v for k, v in by_preload.items()}
        Path(args.json).write_text(json.dumps(document, indent=2, default=str))
    if args.plot:
        report.plot(by_preload, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
