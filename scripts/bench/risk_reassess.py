#!/usr/bin/env python
"""`reassess_risk` over many clients beside a plain read of the same documents (issue #27).

In a fresh database (settings_test, its own run id, dropped at the end):
  1. preload --clients clients' history, rated under risk model version 1 as the consumer
     would have rated them (direct bulk inserts of the pipeline's own documents);
  2. plain read: page through the clients as `reassess` does and read their latest cases,
     companies and owners (the reads `assess_cases` makes), nothing else;
  3. save version 2 of the model (one more country on the medium list), then `reassess`: every
     case is re-rated (the model version changed), so every case appends;
  4. `reassess` again: nothing changed, nothing appended (idempotent).
Each phase reports seconds, clients/s and database commands per client (a pymongo
CommandListener), and the ratio reassess clients/s ÷ plain read clients/s (target ≥ 0.3).

    .venv/bin/python scripts/bench/risk_reassess.py --clients 100000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
os.environ["DEBUG"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("CASEMGMT_TEST_RUN_ID", f"riskbench{uuid.uuid4().hex[:8]}")

from pymongo import monitoring  # noqa: E402


class Commands(monitoring.CommandListener):
    """Counts the commands sent while `active` (registered before any client exists)."""

    def __init__(self) -> None:
        self.active = False
        self.counts: Counter = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.active and event.command_name not in ("endSessions", "hello", "ismaster"):
            self.counts[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


COMMANDS = Commands()
monitoring.register(COMMANDS)


def measure(name: str, clients: int, run) -> dict:
    COMMANDS.counts.clear()
    COMMANDS.active = True
    started = time.perf_counter()
    try:
        detail = run()
    finally:
        COMMANDS.active = False
    seconds = time.perf_counter() - started
    total = sum(COMMANDS.counts.values())
    result = {
        "phase": name,
        "clients": clients,
        "seconds": round(seconds, 2),
        "clients_per_s": round(clients / seconds, 1),
        "commands": total,
        "commands_per_client": round(total / max(clients, 1), 4),
        "by_command": dict(COMMANDS.counts),
        "detail": detail,
    }
    print(json.dumps(result), file=sys.stderr)
    return result


def plain_read(page_size: int) -> int:
    """The reads of `reassess` without rating or writing: clients, then cases, companies, owners."""
    from cases.models import Client
    from cases.risk.services import load_inputs

    after, seen = "", 0
    while True:
        page = list(
            Client.objects.filter(client_id__gt=after)
            .order_by("client_id")
            .values_list("client_id", "open_case_id", "case_ids")[:page_size]
        )
        if not page:
            return seen
        after = page[-1][0]
        latest = [open_case or uuid.UUID(str(ids[-1])) for _, open_case, ids in page]
        loaded = load_inputs(latest)
        seen += len(loaded.cases)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--json", help="write the figures to this path")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections

    from casemgmt_project.progress import ProgressBar
    from cases.documents.rules import seed_document_rules
    from cases.models import Case, Client, DocumentRule, RiskModel, StoredEvent
    from cases.risk.services import reassess
    from cases.risk.versions import current_model, save_new_version
    from scripts.bench import documents

    database = settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]
    try:
        call_command("migrate", verbosity=0)
        seed_document_rules(DocumentRule)
        # 5 % of sample records are invalid (no case): load enough records for --clients.
        records = round(args.clients / (1 - documents.INVALID_RATIO))
        started = time.perf_counter()
        documents.preload(
            records, args.seed, on_progress=ProgressBar("records"), risk_model=current_model()
        )
        clients = Client.objects.count()
        preload_s = time.perf_counter() - started
        print(f"{database}: preloaded {clients} clients in {preload_s:.0f}s", file=sys.stderr)

        read = measure("plain read", clients, lambda: plain_read(args.page_size))
        first = RiskModel.objects.get(version=1)
        lists = {**first.country_lists, "medium": [*first.country_lists["medium"], "FR"]}
        save_new_version({"country_lists": lists}, by="benchmark")
        events_before = StoredEvent.objects.count()
        bar = ProgressBar("clients")
        rerate = measure(
            "reassess (model v2: every case re-rated)",
            clients,
            lambda: reassess(page_size=args.page_size, on_progress=bar),
        )
        appended = StoredEvent.objects.count() - events_before
        again = measure(
            "reassess again (nothing changed)",
            clients,
            lambda: reassess(page_size=args.page_size),
        )
        levels = Counter(Case.objects.values_list("risk_level", flat=True))
        report = {
            "clients": clients,
            "page_size": args.page_size,
            "preload_seconds": round(preload_s, 1),
            "phases": [read, rerate, again],
            "events_appended_by_first_reassess": appended,
            "levels_after": dict(levels),
            "ratio_reassess_to_plain_read": round(
                rerate["clients_per_s"] / read["clients_per_s"], 3
            ),
            "ratio_idempotent_rerun_to_plain_read": round(
                again["clients_per_s"] / read["clients_per_s"], 3
            ),
        }
        print(json.dumps(report, indent=2))
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2))
        return 0 if report["ratio_reassess_to_plain_read"] >= 0.3 else 1
    finally:
        if not args.keep:
            connections[DEFAULT_DB_ALIAS].database.client.drop_database(database)


if __name__ == "__main__":
    raise SystemExit(main())
