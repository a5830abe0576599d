#!/usr/bin/env python
"""The periodic-review due check over many approved clients (issue #27, SPEC §3d).

In a private database migrated like production, on the server MONGODB_URI names: --clients
(100,000) approved clients without an open case, --due-share (1 %) of them past their next
review date. The due clients are real: their cases, parties and requirements are the
pipeline's own documents (scripts/bench/documents.py), approved, their Client rows pointing
at the approved case; the others are Client rows with a date in the next five years.

Measured:
  1. the due query alone: its time, the index its plan reads and the fields the index scan is
     bounded on (DocumentDB's explain gives PostgreSQL's plan with estimates only; MongoDB's
     executionStats also give keysExamined/totalDocsExamined);
  2. `open_due_reviews` run in rounds of --limit (500) until nothing is due: seconds, review
     cases opened per second, and per opened review the database commands and the `clients`
     documents returned (pymongo command monitoring);
  3. one more round, with nothing due: what an idle check costs.

    MONGODB_URI=mongodb://... .venv/bin/python scripts/bench/review_due.py
    .venv/bin/python scripts/bench/review_due.py --clients 10000 --due-share 0.01
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
os.environ.setdefault("CASEMGMT_TEST_RUN_ID", f"review{uuid.uuid4().hex[:8]}")
os.environ["DEBUG"] = "false"
os.environ.setdefault("MONGODB_SOCKET_TIMEOUT_MS", "900000")

CHUNK = 5000


class Commands:
    """Counts the commands sent and the documents each collection returned."""

    def __init__(self) -> None:
        self.commands: Counter[str] = Counter()
        self.returned: Counter[str] = Counter()
        self._collections: dict[int, str] = {}

    def started(self, event: Any) -> None:
        name = event.command.get(event.command_name)
        if event.command_name == "getMore":
            name = event.command.get("collection")
        collection = name if isinstance(name, str) else event.command_name
        self._collections[event.request_id] = collection
        self.commands[event.command_name] += 1

    def succeeded(self, event: Any) -> None:
        cursor = (event.reply or {}).get("cursor") or {}
        batch = cursor.get("firstBatch") or cursor.get("nextBatch") or []
        self.returned[self._collections.pop(event.request_id, "?")] += len(batch)

    def failed(self, event: Any) -> None:
        self._collections.pop(event.request_id, None)

    def reset(self) -> None:
        self.commands.clear()
        self.returned.clear()


def populate(clients: int, due: int, seed: int, now: datetime) -> None:
    """`due` approved clients with real cases, due; the rest approved, due later."""
    from cases.core import bulk
    from cases.documents.rules import load_document_rules
    from cases.models import Case, Client
    from scripts.bench.documents import documents_for, insert_documents, sample_records

    rules = load_document_rules()
    records = sample_records("reviews", due * 2, seed)  # ~5 % invalid: enough valid ones
    made = 0
    while made < due:
        chunk = [record for _, record in zip(range(1000), records, strict=False)]
        if not chunk:
            raise SystemExit("not enough valid sample records for the due clients")
        insert_documents(documents_for(chunk, rules))
        made = bulk.collection(Client).count_documents({})
    extra = list(bulk.collection(Client).find({}, {"client_id": 1}).sort("client_id", 1)[due:])
    bulk.collection(Client).delete_many({"_id": {"$in": [row["_id"] for row in extra]}})
    case_of = {
        row["client_id"]: row["_id"]
        for row in bulk.collection(Case).find({}, {"client_id": 1, "_id": 1})
    }
    bulk.collection(Case).update_many({}, {"$set": {"status": "APPROVED"}})
    for index, row in enumerate(bulk.collection(Client).find({}, {"client_id": 1})):
        bulk.collection(Client).update_one(
            {"_id": row["_id"]},
            {
                "$set": {
                    "has_open_case": False,
                    "open_case_id": None,
                    "next_review_at": (now - timedelta(days=1 + index % 30)).replace(tzinfo=None),
                    "scheduled_review_at": (now - timedelta(days=1 + index % 30)).replace(
                        tzinfo=None
                    ),
                    "reviewed_case_id": case_of[row["client_id"]],
                    "review_level": "LOW",
                }
            },
        )
    rest = clients - due
    for start in range(0, rest, CHUNK):
        rows = []
        for index in range(start, min(start + CHUNK, rest)):
            later = now + timedelta(days=1 + index % (5 * 365))
            rows.append(
                Client(
                    id=uuid.uuid5(uuid.NAMESPACE_URL, f"bench-client-{index}"),
                    client_id=f"bench-{index:07d}",
                    display_name=f"Client {index}",
                    traitement_type="KYC",
                    first_seen=now - timedelta(days=400),
                    last_event_at=now - timedelta(days=300),
                    next_review_at=later,
                    scheduled_review_at=later,
                    review_level="LOW",
                )
            )
        bulk.collection(Client).insert_many(bulk.to_documents(rows), ordered=False)


def due_plan(now: datetime, limit: int) -> dict[str, Any]:
    """The due query's plan, executed: index used and rows the scan returned."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from pymongo import monitoring

    from cases import selectors

    captured: list[dict] = []

    class Capture(monitoring.CommandListener):
        def started(self, event):
            if event.command_name in ("find", "aggregate"):
                captured.append(dict(event.command))

        def succeeded(self, event):
            pass

        def failed(self, event):
            pass

    monitoring.register(Capture())
    connections[DEFAULT_DB_ALIAS].close_pool()
    begin = time.perf_counter()
    rows = list(selectors.list_clients_due_for_review(now=now)[:limit])
    seconds = time.perf_counter() - begin
    command = {
        k: v
        for k, v in captured[-1].items()
        if k not in ("lsid", "$db", "$clusterTime", "$readPreference", "txnNumber", "signature")
    }
    database = connections[DEFAULT_DB_ALIAS].database
    plan = database.command("explain", command, verbosity="executionStats")
    if os.environ.get("SHOW_PLAN"):
        print(json.dumps(plan, indent=1, default=str)[:6000])
    found: dict[str, Any] = {"index": None}
    stack: list[Any] = [plan]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "Index Name" in node and found["index"] is None:
                # DocumentDB's explain gives the planner's estimate only (no actual rows).
                found = {
                    "index": node["Index Name"],
                    "rows_estimated": node.get("Actual Rows") or node.get("Plan Rows"),
                    "bounded_on": [
                        f
                        for f in ("has_open_case", "next_review_at")
                        if f.encode().hex() in str(node.get("Index Cond", "")).lower()
                    ],
                }
            if node.get("stage") == "IXSCAN" and found["index"] is None:
                found = {"index": node.get("indexName"), "rows": node.get("keysExamined")}
            if "totalDocsExamined" in node:
                found["docs_examined"] = node["totalDocsExamined"]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found | {"query_seconds": round(seconds, 4), "returned": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--due-share", type=float, default=0.01)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    due = int(args.clients * args.due_share)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections
    from pymongo import monitoring

    from cases.models import Client, StoredEvent

    connection = connections[DEFAULT_DB_ALIAS]
    call_command("migrate", verbosity=0)
    name = settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]
    server = connection.connection.admin.command("buildInfo")
    print(f"server {server.get('ferretdb', {}).get('version') or server['version']}, db {name}")
    now = datetime.now(UTC)
    results: dict[str, Any] = {"clients": args.clients, "due": due, "limit": args.limit}
    try:
        started = time.perf_counter()
        populate(args.clients, due, args.seed, now)
        print(
            f"populated {Client.objects.count():,} clients in {time.perf_counter() - started:.0f}s"
        )
        services = ROOT / "scripts" / "services.sh"
        if "ferretdb" in server:  # what autovacuum does a minute after a bulk load
            import subprocess

            subprocess.run([str(services), "analyze", name], check=True, timeout=600)  # noqa: S603
        results["plan"] = due_plan(now, args.limit)
        print(f"due query: {results['plan']}")

        counter = Commands()
        listener = type(
            "Listener",
            (monitoring.CommandListener,),
            {"started": counter.started, "succeeded": counter.succeeded, "failed": counter.failed},
        )()
        monitoring.register(listener)
        connection.close_pool()
        from cases.reviews.services import open_due_reviews

        rounds, opened, seconds = 0, 0, 0.0
        while True:
            begin = time.perf_counter()
            ids = open_due_reviews(now=now, limit=args.limit)
            seconds += time.perf_counter() - begin
            if not ids:
                break
            rounds, opened = rounds + 1, opened + len(ids)
            print(f"round {rounds}: {len(ids)} review cases, {seconds:.1f}s so far")
        busy = {
            "rounds": rounds,
            "opened": opened,
            "seconds": round(seconds, 2),
            "reviews_per_second": round(opened / seconds, 1) if seconds else None,
            "commands": sum(counter.commands.values()),
            "commands_per_review": round(sum(counter.commands.values()) / max(opened, 1), 2),
            "client_documents_returned": counter.returned["clients"],
        }
        counter.reset()
        begin = time.perf_counter()
        assert open_due_reviews(now=now, limit=args.limit) == []
        idle = {
            "seconds": round(time.perf_counter() - begin, 4),
            "commands": sum(counter.commands.values()),
            "client_documents_returned": counter.returned["clients"],
        }
        # Counted by their ReviewCaseOpened: a review rated HIGH becomes ENHANCED_DUE_DILIGENCE.
        reviews = StoredEvent.objects.filter(event_type="ReviewCaseOpened").count()
        results |= {"busy": busy, "idle": idle, "review_cases": reviews}
        print(json.dumps(results, indent=2, default=str))
        assert reviews == due == opened, (reviews, due, opened)
    finally:
        if not args.keep:
            connection.connection.drop_database(name)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
