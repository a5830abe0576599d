#!/usr/bin/env python
"""REST API latency: p50/p99 of list, detail and create with N cases stored (default 1,000).

The measuring code is scripts/bench/api.py, which the ingest benchmark also runs on its
preloaded databases (scripts/benchmark_ingest.py --api-cases).

Runs the whole Django stack in this process (URL routing, token auth, permission check,
validation, services, database) through Django's test client, so the figures are the app's
time without the network. A private database is created and dropped (settings_test). Services
must be up. Compare figures within one run; absolute speed depends on the machine and, on the
local FerretDB, on collection sizes (docs/performance.md).

    .venv/bin/python scripts/api_latency.py --cases 1000 --requests 30
"""

import argparse
import os
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases.intake.commands import CreateCase  # noqa: E402
from cases.intake.contract import validate_payload  # noqa: E402
from cases.intake.services import open_cases  # noqa: E402
from scripts.bench import api  # noqa: E402


def seed(count: int) -> list[str]:
    now = timezone.now()
    ids: list[str] = []
    for start in range(0, count, 250):
        commands = [
            CreateCase(
                source=f"latency:{uuid.uuid4()}",
                message=validate_payload(api.case_payload(i)),
                occurred_at=now,
            )
            for i in range(start, min(count, start + 250))
        ]
        ids.extend(str(case_id) for case_id in open_cases(commands).case_ids)
    return ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30, help="per operation")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)  # seeds the default document and notification rules
    try:
        ids = seed(args.cases)
        results = api.measure_reads(args.requests, [uuid.UUID(i) for i in ids])
        server = connections["default"].database.client.admin.command("buildInfo")
        kind = "FerretDB" if "ferretdb" in server else f"MongoDB {server['version']}"
        print(
            f"server: {kind}; cases stored: {args.cases}; requests per operation: {args.requests}"
        )
        print(f"{'operation':<22} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
        for name, figures in results.items():
            print(
                f"{name:<22} {figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f} "
                f"{figures['mean_ms']:>8.1f}"
            )
    finally:
        connections["default"].database.client.drop_database(settings.DATABASES["default"]["NAME"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
