#!/usr/bin/env python
"""Database commands of the client-update path (SPEC §3b), per batch, counted by pymongo.

Runs the domain entry point `route_intake` on a fresh database (no broker needed) for batches
of new clients, of changed clients and of unchanged clients, and prints how many MongoDB
commands each batch issued: first the routing lookup alone, then the whole batch. The counts
do not depend on the machine; the seconds do (compare them as ratios within one run).

    .venv/bin/python scripts/benchmark_client_updates.py --batch-sizes 50,500
"""

import argparse
import json
import os
import random
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
os.environ["CASEMGMT_TEST_RUN_ID"] = f"bench_cu_{uuid.uuid4().hex[:8]}"
os.environ.setdefault("LOG_LEVEL", "WARNING")

from pymongo import monitoring  # noqa: E402


class CommandCounter(monitoring.CommandListener):
    """Counts commands by name while `active` (registered before any client exists)."""

    def __init__(self) -> None:
        self.active = False
        self.counts: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.active:
            self.counts[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def measure(self, action, *args):
        """(action's result, commands issued, commands by name, seconds)."""
        self.counts.clear()
        self.active = True
        started = time.perf_counter()
        try:
            result = action(*args)
        finally:
            self.active = False
        elapsed = time.perf_counter() - started
        return result, sum(self.counts.values()), dict(self.counts), elapsed


COUNTER = CommandCounter()
monitoring.register(COUNTER)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases.client_updates.services import find_open_cases, route_intake  # noqa: E402
from cases.intake.commands import CreateCase  # noqa: E402
from cases.intake.contract import validate_payload  # noqa: E402
from kafka_integration.sample_events import changed_client, kyb_event, kyc_event  # noqa: E402


def commands_for(records: list[dict], tag: str) -> list[CreateCase]:
    return [
        CreateCase(
            source=f"bench:{tag}:{n}",
            message=validate_payload(record),
            occurred_at=timezone.now(),
        )
        for n, record in enumerate(records)
    ]


def run(batch_size: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    offset = batch_size * 10
    clients = [
        (kyb_event if rng.random() < 0.4 else kyc_event)(rng, offset + n) for n in range(batch_size)
    ]
    changed = [changed_client(rng, record) for record in clients]
    client_ids = [record["client_id"] for record in clients]
    rows = []
    for label, records, tag in (
        ("new clients", clients, "new"),
        ("changed clients", changed, "changed"),
        ("unchanged clients", changed, "same"),
    ):
        _, lookup, _, _ = COUNTER.measure(find_open_cases, client_ids)
        batch = commands_for(records, f"{batch_size}:{tag}")
        results, total, by_name, seconds = COUNTER.measure(route_intake, batch)
        outcomes = Counter(result.outcome for result in results)
        rows.append(
            {
                "batch": batch_size,
                "records": label,
                "lookup_commands": lookup,
                "batch_commands": total,
                "per_record": total / batch_size,
                "seconds": seconds,
                "outcomes": dict(outcomes),
                "by_name": by_name,
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", default="50,500")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    server = connections["default"].database.client.admin.command("buildInfo")
    kind = "FerretDB" if "ferretdb" in server else f"MongoDB {server['version']}"
    print(f"server: {kind}")
    rows = []
    try:
        for size in [int(s) for s in args.batch_sizes.split(",")]:
            rows += run(size, args.seed)
    finally:
        connections["default"].database.client.drop_database(settings.DATABASES["default"]["NAME"])
    header = f"{'batch':>6} {'records':<18} {'lookup':>6} {'batch cmds':>10} {'per rec':>8}"
    print(header + f" {'seconds':>8}  outcomes")
    for r in rows:
        print(
            f"{r['batch']:>6} {r['records']:<18} {r['lookup_commands']:>6} "
            f"{r['batch_commands']:>10} {r['per_record']:>8.2f} {r['seconds']:>8.2f}  "
            f"{r['outcomes']}"
        )
    if args.json:
        print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
