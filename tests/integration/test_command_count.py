"""The ingest hot path sends a fixed number of database commands per batch, whatever its size.

A per-record query slipped into the pipeline (a lookup in a loop, a read before each write)
makes the count grow with the batch and fails here, long before anyone notices it in a
benchmark. Commands are counted as pymongo sends them (`tests.integration.command_counting`).
"""

import random
from collections import Counter

import pytest

from kafka_integration import ingest
from kafka_integration.sample_events import sample_event
from tests.integration.command_counting import CommandCounter

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

# Every command of one batch on an empty database: writes, a few reads of small collections
# (rules), the open-case lookup of client routing and the Client fold's read of its clients.
# 19 on FerretDB v1 (22 before the outcome update stopped reading the audit rows back and
# new clients were inserted instead of upserted): audit rows and their outcome update, events
# and their commit markers (cases, then notifications), the read models, the Client fold
# (SPEC §3b), the outbox; a few spare before a regression fails.
MAX_COMMANDS_PER_BATCH = 22
READS = frozenset({"find", "aggregate"})
# What a fresh batch may read, once each: the rules. Never its audit rows (their outcome is a
# blind update), the event store or a read model the batch is creating: those writes are
# blind, and notifications render from the documents just written.
# Client routing (SPEC §3b) adds one indexed read of the batch's open cases, and the Client
# read model one read of the batch's clients (it folds several aggregates). The risk rating
# (SPEC §3d) reads the current risk model once per batch.
READABLE_ON_A_FRESH_BATCH = frozenset(
    {"document_rules", "sla_rules", "notification_rules", "risk_models", "cases", "clients"}
)


def _records(start: int, count: int) -> list[ingest.InboundRecord]:
    rng = random.Random(start)
    records = []
    for index in range(start, start + count):
        key, value = sample_event(rng, index, kyb_ratio=0.3, invalid_ratio=0.05)
        records.append(ingest.InboundRecord("bench.count", 0, index, value, key))
    return records


def _commands_for_batch(counter: CommandCounter, records: list) -> Counter:
    counter.counts.clear()
    counter.active = True
    try:
        ingest.record_outcomes(ingest.process_batch(records))
    finally:
        counter.active = False
    return Counter(counter.counts)


@pytest.mark.usefixtures("risk_model")
def test_a_batch_costs_the_same_commands_whether_it_holds_ten_records_or_sixty(counter):
    ingest.process_batch(_records(0, 3))  # warm-up: indexes, rules cache, client handshake

    small = _commands_for_batch(counter, _records(1_000, 10))
    large = _commands_for_batch(counter, _records(2_000, 60))

    assert small == large, f"commands grew with the batch: {small} vs {large}"
    assert sum(large.values()) <= MAX_COMMANDS_PER_BATCH, large
    reads = Counter({name: n for (command, name), n in large.items() if command in READS})
    assert set(reads) <= READABLE_ON_A_FRESH_BATCH, reads
    assert max(reads.values()) == 1, reads


@pytest.mark.usefixtures("risk_model")
def test_a_redelivered_batch_costs_a_fixed_number_of_extra_commands(counter):
    first_small, first_large = _records(3_000, 10), _records(4_000, 60)
    ingest.record_outcomes(ingest.process_batch(first_small))
    ingest.record_outcomes(ingest.process_batch(first_large))

    small = _commands_for_batch(counter, first_small)
    large = _commands_for_batch(counter, first_large)

    assert small == large, f"redelivery cost grew with the batch: {small} vs {large}"
    assert sum(large.values()) <= MAX_COMMANDS_PER_BATCH, large
