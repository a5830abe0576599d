#!/usr/bin/env python
"""Insert cost per batch as the three uniquely keyed collections grow (issue #23).

On DocumentDB (FerretDB v2) an insert into a collection with a compound unique index costs
more the more documents it holds; the product's unique guarantees are therefore carried by one
field each (migration 0017). This measures that, on the server MONGODB_URI names, in a private
database migrated like production (every index of the three collections), for:

  event_store            unique `stream_key` (aggregate, version)
  raw_events             unique `_id`, derived from (topic, partition, offset)
  document_requirements  unique `_id`, derived from (case, party, document type)

The documents are the pipeline's own (scripts/bench/documents.py: audit copies, the CreateCase
handler's events, the projection's requirements), inserted in unordered batches of --batch
(500) until 100,000 are stored; every batch is timed, and the table gives, at each --sizes
point, the median of the --samples (10) batches from there, then the ratio last/first. After
the growth: a duplicate of a stored key is refused (11000) and a lookup by key is timed.

--old-keys puts back the compound unique indexes of before 0017 instead, to see the growth
they cause (keep --sizes small: each batch costs more than the one before).

    MONGODB_URI=mongodb://... .venv/bin/python scripts/bench/keyed_inserts.py
    MONGODB_URI=mongodb://... .venv/bin/python scripts/bench/keyed_inserts.py \\
        --collections event_store --sizes 0,6000,12000 --old-keys
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
os.environ.setdefault("CASEMGMT_TEST_RUN_ID", f"keys{uuid.uuid4().hex[:8]}")
os.environ["DEBUG"] = "false"
os.environ.setdefault("MONGODB_SOCKET_TIMEOUT_MS", "900000")

COLLECTIONS = ("event_store", "raw_events", "document_requirements")
UNIQUE_KEY = {
    "event_store": ["stream_key"],
    "raw_events": ["_id"],
    "document_requirements": ["_id"],
}
# The compound unique indexes before migration 0017, as django-mongodb-backend created them.
OLD_KEYS = {
    "event_store": ("uniq_event_stream_key", [("aggregate_id", 1), ("version", 1)]),
    "raw_events": (None, [("topic", 1), ("partition", 1), ("offset", 1)]),
    "document_requirements": (None, [("case_id", 1), ("entity_id", 1), ("document_type", 1)]),
}
RECORDS_PER_CHUNK = 500


def documents(collection: str, seed: int) -> Iterator[dict[str, Any]]:
    """Endless documents of `collection`, as the pipeline writes them (distinct records)."""
    from cases.core import bulk
    from cases.documents.rules import DEFAULT_DOCUMENT_RULES
    from cases.models import RawEventStatus
    from kafka_integration.ingest import to_raw_event
    from scripts.bench.documents import documents_for, sample_records

    start = 0
    while True:
        records = list(sample_records("bench-keys", RECORDS_PER_CHUNK, seed, start))
        start += RECORDS_PER_CHUNK
        if collection == "raw_events":  # the audit copy alone: no need to run the handlers
            now = datetime.now(UTC)
            for record in records:
                raw = to_raw_event(record, now)
                raw.status, raw.processed_at, raw.attempts = RawEventStatus.PROCESSED, now, 1
                yield bulk.to_document(raw)
        else:
            yield from documents_for(records, list(DEFAULT_DOCUMENT_RULES)).get(collection, [])


def use_old_keys(target: Any, collection: str, connection: Any) -> list[str]:
    """Swap in the compound unique index of before 0017 (same partial filter as Django's)."""
    from django.apps import apps
    from pymongo import IndexModel

    drop, fields = OLD_KEYS[collection]
    if drop:
        target.drop_index(drop)
    name = f"old_compound_{collection}"
    model = next(m for m in apps.get_models() if m._meta.db_table == collection)
    types = {f.column: f.db_type(connection) for f in model._meta.concrete_fields}
    partial = {field: {"$type": types[field]} for field, _ in fields}
    target.create_indexes(
        [IndexModel(fields, name=name, unique=True, partialFilterExpression=partial)]
    )
    return [field for field, _ in fields]


def grow(
    target: Any, stream: Iterator[dict[str, Any]], sizes: list[int], batch: int, samples: int
) -> dict[int, list[float]]:
    """Insert batches until the last size plus its samples; seconds of the sampled batches."""
    timed: dict[int, list[float]] = {size: [] for size in sizes}
    end = max(sizes) + samples * batch
    stored = 0
    while stored < end:
        docs = [next(stream) for _ in range(batch)]
        started = time.perf_counter()
        target.insert_many(docs, ordered=False)
        seconds = time.perf_counter() - started
        for size in sizes:
            if size <= stored < size + samples * batch:
                timed[size].append(seconds)
        stored += batch
        if stored % 10_000 == 0:
            print(f"  {target.name}: {stored:,} stored, last batch {seconds:.3f} s", flush=True)
    return timed


def check_key(target: Any, key: list[str]) -> dict[str, Any]:
    """A second document with a stored key is refused; a lookup by the key, timed."""
    from pymongo.errors import DuplicateKeyError

    sample = target.find_one({}, sort=[("_id", -1)])
    copy = dict(sample)
    if key != ["_id"]:
        copy["_id"] = uuid.uuid4().hex  # another document claiming the same key
    try:
        target.insert_one(copy)
        refused = None
    except DuplicateKeyError as exc:
        refused = exc.code
    lookups = []
    for _ in range(20):
        started = time.perf_counter()
        target.find_one({field: sample[field] for field in key})
        lookups.append(time.perf_counter() - started)
    return {"duplicate_refused_code": refused, "lookup_ms": statistics.median(lookups) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", default=",".join(COLLECTIONS))
    parser.add_argument("--sizes", default="0,25000,50000,100000")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--old-keys", action="store_true", help="compound unique, as before")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections

    connection = connections[DEFAULT_DB_ALIAS]
    call_command("migrate", verbosity=0)
    server = connection.connection.admin.command("buildInfo")
    print(
        f"server {server.get('ferretdb', {}).get('version') or server['version']}, "
        f"database {settings.DATABASES[DEFAULT_DB_ALIAS]['NAME']}"
    )
    results: dict[str, Any] = {}
    try:
        for collection in args.collections.split(","):
            target = connection.get_collection(collection)
            key = UNIQUE_KEY[collection]
            if args.old_keys:
                key = use_old_keys(target, collection, connection)
            indexes = ", ".join(target.index_information())
            print(f"{collection} (unique {', '.join(key)}; indexes: {indexes})")
            timed = grow(target, documents(collection, args.seed), sizes, args.batch, args.samples)
            medians = {size: statistics.median(values) for size, values in timed.items()}
            results[collection] = {
                "unique": ", ".join(key),
                "seconds_per_batch": medians,
                "ratio_last_first": medians[sizes[-1]] / medians[sizes[0]],
                **check_key(target, key),
            }
    finally:
        if not args.keep:
            connection.connection.drop_database(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])
    print_table(results, sizes, args.batch)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def print_table(results: dict[str, Any], sizes: list[int], batch: int) -> None:
    print(f"\nseconds per {batch}-document insert (median), by documents already stored")
    header = f"{'collection':<22} {'unique':<34}" + "".join(f"{s:>10,}" for s in sizes)
    print(header + f"{'last/first':>11} {'dup':>6} {'lookup':>8}")
    for collection, row in results.items():
        cells = "".join(f"{row['seconds_per_batch'][s]:>10.3f}" for s in sizes)
        print(
            f"{collection:<22} {row['unique']:<34}{cells}{row['ratio_last_first']:>11.2f}"
            f" {row['duplicate_refused_code']!s:>6} {row['lookup_ms']:>6.1f}ms"
        )


if __name__ == "__main__":
    main()
