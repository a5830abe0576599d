#!/usr/bin/env python
"""Fault injection for casemgmt (issue #12): break things, then account for every record.

    .venv/bin/python scripts/chaos.py --all                 # every scenario, full size
    .venv/bin/python scripts/chaos.py sigkill --records 2000 --kills 3
    .venv/bin/python scripts/chaos.py --all --scale 0.1     # every scenario, 10 % of the records
    .venv/bin/python scripts/chaos.py sigkill group --from-beginning  # consumers get the flag

Uses the shared broker (127.0.0.1:9092) and database (.env's MONGODB_URI) for scenarios that
do not kill them, and private servers on free ports for those that do (broker, database,
relay). Each scenario gets its own database and topics and removes them at the end. Prints
one line per scenario and a final table (also written as Markdown with --markdown FILE). Exit
status 1 if any record was lost or duplicated.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings")
os.environ.setdefault("SECRET_KEY", "chaos-local-only")
# MONGODB_URI (with the local database's password) comes from .env, as for the app.
os.environ.setdefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")

import django  # noqa: E402

django.setup()

from tests.chaos.scenarios import SCENARIOS, ScenarioResult  # noqa: E402

# Full size per scenario (issue #12); --scale multiplies the record counts.
DEFAULTS = {
    "sigkill": {"records": 20_000, "kills": 5},
    "broker": {"records": 4_000, "down_seconds": 15},
    "database": {"records": 4_000, "down_seconds": 30},
    "group": {"records": 6_000},
    "hostile": {"hostile": 10_000, "valid": 2_000},
    "relay": {"records": 2_000, "down_seconds": 60, "kills": 5},
    "half-command": {"commands": 400},
    "relay-crash": {"records": 2_000, "kills": 5},
}
SIZED = {"records", "hostile", "valid", "commands"}
# Scenarios that restart consumers or rebalance the group, where --from-beginning could matter.
RESTARTING = {"sigkill", "broker", "database", "group"}


def table(results: list[ScenarioResult]) -> str:
    lines = [
        "| scenario | records | lost | duplicated | recovery (s) | result | notes |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        recovery = "–" if r.recovery_seconds is None else f"{r.recovery_seconds:.1f}"
        verdict = "pass" if r.passed else "FAIL"
        lines.append(
            f"| {r.scenario} | {r.records} | {r.lost} | {r.duplicated} | {recovery} "
            f"| {verdict} | {r.notes} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("scenarios", nargs="*", choices=[*SCENARIOS, []], metavar="SCENARIO")
    parser.add_argument("--all", action="store_true", help="run every scenario")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the record counts")
    parser.add_argument("--records", type=int, help="records (scenarios that take it)")
    parser.add_argument("--kills", type=int, help="SIGKILLs (sigkill, relay, relay-crash)")
    parser.add_argument(
        "--down-seconds", type=float, help="outage length (broker, database, relay)"
    )
    parser.add_argument(
        "--from-beginning",
        action="store_true",
        help="start every consumer with --from-beginning (sigkill, broker, database, group)",
    )
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--keep-logs", action="store_true", help="print where the logs are")
    args = parser.parse_args()
    names = list(SCENARIOS) if args.all else args.scenarios
    unknown = [name for name in names if name not in SCENARIOS]
    if not names or unknown:
        prefix = f"unknown {', '.join(unknown)}; " if unknown else ""
        parser.error(prefix + "pick from: " + ", ".join(SCENARIOS) + " (or --all)")

    base = Path(tempfile.mkdtemp(prefix="casemgmt-chaos-"))
    results = []
    for name in names:
        params = dict(DEFAULTS[name])
        for key in SIZED & params.keys():
            params[key] = max(1, int(params[key] * args.scale))
        for key in ("records", "kills", "down_seconds"):
            if getattr(args, key) is not None and key in params:
                params[key] = getattr(args, key)
        if args.from_beginning and name in RESTARTING:
            params["from_beginning"] = True
        print(f"--- {name} {params}", flush=True)
        started = time.monotonic()
        result = SCENARIOS[name](base / name, **params)
        elapsed = time.monotonic() - started
        results.append(result)
        print(
            f"    lost={result.lost} duplicated={result.duplicated} "
            f"recovery={result.recovery_seconds} in {elapsed:.0f}s; {result.notes}",
            flush=True,
        )
        figures = result.details
        if "cases" in figures:  # only the record-flow scenarios run the full accounting
            print(
                f"    cases={figures.get('cases')} rejected={figures.get('rejected')} "
                f"dlq={figures.get('dead_letters')} notifications="
                f"{figures.get('notifications_distinct')}/{figures.get('notifications_expected')} "
                f"resent={figures.get('notification_resends')} "
                f"read models compared={figures.get('read_models_compared')}",
                flush=True,
            )
        for problem in result.details.get("problems", []):
            print(f"    ! {problem}", flush=True)
    print()
    print(table(results))
    if args.markdown:
        args.markdown.write_text(table(results) + "\n")
    if args.keep_logs:
        print(f"logs: {base}")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
