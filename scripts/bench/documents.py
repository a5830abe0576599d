"""The documents the pipeline writes for N records, made in memory by the pipeline's own code.

Used twice by the benchmark: to preload K records' worth of history (fast, no consumer), and as
the write limit, where the same documents are bulk-inserted in the pipeline's batch size. Built
with the functions the consumer calls (audit copy, decoding, the CreateCase handler, the event
store's conversion, the projection handlers, the Client fold), so shapes and sizes are the
real ones. The notification outbox and the commit markers are left out, which makes the write
limit a little faster than exact (the pipeline's ratio to it is, if anything, understated) and
a preload's outbox smaller than the pipeline's would be.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from cases.client_updates.projections import CLIENT_EVENTS, fold_into
from cases.core import bulk, event_store, projections
from cases.core.events import CASE_CREATED
from cases.documents.rules import DocumentRuleData, load_document_rules
from cases.intake.commands import CreateCase
from cases.intake.contract import MessageRejected
from cases.intake.handlers import handle_create_case
from cases.models import RawEvent, RawEventStatus
from cases.risk.rating import RiskModelData
from kafka_integration.ingest import to_raw_event
from kafka_integration.records import InboundRecord
from kafka_integration.sample_events import sample_event
from kafka_integration.schemas import parse_message

KYB_RATIO = 0.3
INVALID_RATIO = 0.05
PRELOAD_START = 50_000_000  # preloaded clients never meet the measured runs' (index from 0)


def sample_records(topic: str, count: int, seed: int, start: int = 0) -> Iterator[InboundRecord]:
    """The benchmark's records (70 % KYC, 30 % KYB, 5 % invalid), as plain Kafka records."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    for index in range(start, start + count):
        key, value = sample_event(rng, index, KYB_RATIO, INVALID_RATIO)
        yield InboundRecord(topic, 0, index, value, key, timestamp=now)


def documents_for(
    records: list[InboundRecord],
    rules: list[DocumentRuleData],
    risk_model: RiskModelData | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """{collection: documents} as the pipeline leaves them after processing `records` (rated
    under `risk_model` when given, as the consumer does with the current model)."""
    now = datetime.now(UTC)
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    events = []
    for record in records:
        raw = to_raw_event(record, now)
        try:
            message = parse_message(record.value)
        except MessageRejected:
            raw.status = RawEventStatus.REJECTED
        else:
            command = CreateCase(record.source, message, now, raw_event_id=record.raw_event_id)
            events.extend(handle_create_case(command, rules, risk_model=risk_model))
            raw.status = RawEventStatus.PROCESSED
        raw.processed_at, raw.attempts = now, 1
        out[RawEvent._meta.db_table].append(bulk.to_document(raw))
    stored = [event_store.to_stored(event, now) for event in events]
    client_of = {
        e.aggregate_id: e.payload["client_id"] for e in events if e.event_type == CASE_CREATED
    }
    clients: dict[str, Any] = {}
    fold_into(clients, [e for e in events if e.event_type in CLIENT_EVENTS], client_of)
    for instances in (stored, projections.new_read_models(events), list(clients.values())):
        for instance, document in zip(instances, bulk.to_documents(instances), strict=True):
            out[instance._meta.db_table].append(document)
    return dict(out)


def insert_documents(documents: dict[str, list[dict[str, Any]]]) -> int:
    """One unordered insert per collection; returns the number of commands sent."""
    commands = 0
    for name, docs in documents.items():
        if docs:
            connections[DEFAULT_DB_ALIAS].get_collection(name).insert_many(docs, ordered=False)
            commands += 1
    return commands


def preload(
    count: int,
    seed: int,
    chunk: int = 2000,
    on_progress: Callable[[int, int], None] | None = None,
    risk_model: RiskModelData | None = None,
) -> None:
    """Store `count` records' worth of history (topic "preload"), a chunk at a time.

    Direct unordered inserts of what the pipeline would have written (no consumer, no reads),
    so on FerretDB it costs what the server's inserts cost, whatever is already stored.
    """
    rules = load_document_rules()
    records = sample_records("preload", count, seed + 1, PRELOAD_START)
    done = 0
    if on_progress:
        on_progress(0, count)
    while True:
        batch = [record for _, record in zip(range(chunk), records, strict=False)]
        if not batch:
            return
        insert_documents(documents_for(batch, rules, risk_model))
        done += len(batch)
        if on_progress:
            on_progress(done, count)
