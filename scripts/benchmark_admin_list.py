#!/usr/bin/env python
"""The case list at scale: what one admin page costs as the collection grows.

Fills a fresh private database with N synthetic case rows (read models written directly: this
measures the list, not ingest), then times the capped count the list runs, Django's default
full count for comparison, and whole change-list requests, and prints every command the list
sent to `cases`. Figures are printed; compare them as ratios within one run. Services must be up.

    .venv/bin/python scripts/benchmark_admin_list.py --count 20000
"""

import argparse
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from cases.admin.groups import ANALYST, ensure_back_office_user  # noqa: E402
from cases.admin.pagination import CappedCountPaginator  # noqa: E402
from cases.models import Case  # noqa: E402


def fill(count: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    statuses = ["OPEN", "OPEN", "IN_REVIEW", "CLOSED", "APPROVED"]
    batch = []
    for index in range(count):
        at = start + timedelta(minutes=index)
        batch.append(
            Case(
                id=uuid.uuid4(),
                client_id=f"CLI-{index:08d}",
                case_type="INDIVIDUAL_STANDARD" if index % 3 else "COMPANY_STANDARD",
                schema_version="1.0",
                traitement_type="KYC" if index % 3 else "KYB",
                status=statuses[index % len(statuses)],
                version=1,
                created_at=at,
                updated_at=at,
            )
        )
        if len(batch) == 1000:
            Case.objects.bulk_create(batch)
            batch = []
    if batch:
        Case.objects.bulk_create(batch)


def timed(call, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        begin = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - begin)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20000)
    args = parser.parse_args()
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    try:
        began = time.perf_counter()
        fill(args.count)
        print(f"filled {args.count} cases in {time.perf_counter() - began:.1f} s")
        queryset = Case.objects.order_by("-created_at", "id")
        capped = timed(lambda: CappedCountPaginator(queryset, 50).count)
        full = timed(queryset.count)
        print(f"capped count (≤ {CappedCountPaginator.cap + 1} rows): {capped * 1000:.0f} ms")
        print(f"full count ({args.count} rows, what Django would run): {full * 1000:.0f} ms")
        print(f"full / capped: {full / capped:.1f}x")

        user, _ = ensure_back_office_user("bench", "bench-pass-1", ANALYST)
        client = Client()
        client.force_login(user)
        client.get("/admin/")  # warm the dashboard cache: it is not the list's cost
        for label, query in (
            ("no filter", ""),
            ("status=OPEN&KYB", "?status__exact=OPEN&traitement_type__exact=KYB"),
        ):
            url = f"/admin/cases/case/{query}"
            seconds = timed(lambda url=url: client.get(url))
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            on_cases = [
                q["sql"] for q in captured.captured_queries if q["sql"].startswith("db.cases.")
            ]
            print(f"case list, {label}: {seconds * 1000:.0f} ms, commands on cases:")
            for sql in on_cases:
                print("   ", sql[:160])
    finally:
        connections["default"].database.client.drop_database(settings.DATABASES["default"]["NAME"])


if __name__ == "__main__":
    main()
