"""Account for every record of a scenario (runs in Django, bound to the scenario's database).

    python -m tests.chaos.accounting --topic T --produced produced.json --bootstrap HOST:PORT

prints one JSON line: what was lost, what was duplicated, and each discrepancy found. The
rules are issue #12's: raw store = produced; each valid record → one case and exactly the
events its command decides; each invalid → REJECTED and one committed DLQ copy; notifications
= cases an active rule matches, counted on the topic, each outbox row DELIVERED at the offset
that holds it and none left in flight; read models = a rebuild's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Accounting:
    produced: int = 0
    lost: int = 0
    duplicated: int = 0
    notifications_expected: int = 0
    notifications_distinct: int = 0
    notification_resends: int = 0  # extra copies of one event_id (a relay's crash window)
    notifications_in_flight: int = 0  # outbox rows a relay pass still holds at the end
    notifications_misplaced: int = 0  # DELIVERED rows whose recorded offset holds another record
    dead_letters: int = 0
    cases: int = 0
    rejected: int = 0
    read_models_compared: dict[str, int] = field(default_factory=dict)  # name -> documents
    problems: list[str] = field(default_factory=list)

    def note(self, kind: str, count: int, what: str) -> None:
        if count:
            setattr(self, kind, getattr(self, kind) + count)
            self.problems.append(f"{kind} {count}: {what}")


# Large pages: fewer round trips for a rebuild of the whole scenario.
REBUILD_CHUNK = 20_000


def _read_models_snapshot() -> dict[str, list[dict]]:
    from cases.core import bulk
    from cases.core.rebuild import READ_MODELS

    return {
        model.__name__: sorted(bulk.collection(model).find(), key=lambda d: str(d["_id"]))
        for model in READ_MODELS
    }


def account(topic: str, valid: set, invalid: set, bootstrap: str) -> Accounting:
    from cases.client_updates.claims import claim_event
    from cases.core.events import kafka_source
    from cases.core.rebuild import rebuild_read_models
    from cases.documents.rules import load_document_rules
    from cases.intake.commands import CreateCase
    from cases.intake.handlers import handle_create_case
    from cases.models import Case, RawEvent
    from cases.risk.versions import current_model_or_none
    from kafka_integration import audit_payloads, ingest
    from kafka_integration.schemas import parse_message
    from tests.integration.consumer_process import count_topic, dead_letter_copies

    result = Accounting(produced=len(valid) + len(invalid))
    raw = list(RawEvent.objects.filter(topic=topic))
    positions = Counter((r.partition, r.offset) for r in raw)
    expected = valid | invalid
    result.note("lost", len(expected - set(positions)), "records missing from the raw store")
    result.note("duplicated", sum(n - 1 for n in positions.values()), "raw rows twice")
    status = {(r.partition, r.offset): r.status for r in raw}
    result.note(
        "lost", sum(status.get(p) != "PROCESSED" for p in valid), "valid records not PROCESSED"
    )
    result.note(
        "lost", sum(status.get(p) != "REJECTED" for p in invalid), "invalid records not REJECTED"
    )
    result.rejected = sum(status.get(p) == "REJECTED" for p in invalid)

    # Cases and their exact event sets. Whole collections are read once and joined here: the
    # scenario's database holds only its own records.
    processed = [r for r in raw if (r.partition, r.offset) in valid]
    processed_ids = {r.id for r in processed}
    cases = [c for c in Case.objects.all() if c.source_raw_event_id in processed_ids]
    by_raw = Counter(c.source_raw_event_id for c in cases)
    result.cases = len(cases)
    result.note("lost", sum(1 for r in processed if by_raw[r.id] == 0), "valid without a case")
    result.note("duplicated", sum(max(0, n - 1) for n in by_raw.values()), "records, 2+ cases")
    rules = load_document_rules()
    risk_model = current_model_or_none()
    wanted: dict[str, set] = {}
    external = audit_payloads.load_all(
        r.id for r in processed if r.payload_encoding == audit_payloads.EXTERNAL
    )
    for record in processed:
        value = external[record.id] if record.id in external else ingest.payload_bytes(record)
        command = CreateCase(
            source=kafka_source(record.topic, record.partition, record.offset),
            message=parse_message(value),
            occurred_at=record.received_at,
            raw_event_id=record.id,
        )
        decided = handle_create_case(command, rules, risk_model=risk_model)
        # Opening a case also claims the client's next case generation (SPEC §3b).
        claim = claim_event(command, 1, len(decided)).event_id
        wanted[str(record.id)] = {e.event_id for e in decided} | {claim}
    stored = _committed_kafka_events()
    missing_events = sum(len(ids - stored.get(key, set())) for key, ids in wanted.items())
    extra_events = sum(len(stored.get(key, set()) - ids) for key, ids in wanted.items())
    result.note("lost", missing_events, "events a command decided but the store lacks")
    result.note("duplicated", extra_events, "stored events no command decided")

    # Dead letters, as a read_committed reader sees the topic.
    copies = dead_letter_copies(bootstrap, f"{topic}.dlq")
    result.dead_letters = sum(copies.values())
    result.note("lost", sum(1 for p in invalid if copies[p] == 0), "rejected without a DLQ copy")
    result.note("duplicated", sum(max(0, copies[p] - 1) for p in invalid), "extra DLQ copies")
    result.note("duplicated", sum(n for p, n in copies.items() if p not in invalid), "DLQ strays")

    # Notifications: one per case whose CASE_CREATED matches an active rule, on the topic.
    expected_ids = _expected_notifications(cases)
    landed = count_topic(bootstrap, os.environ["NOTIFICATION_KAFKA_TOPIC"], _landed_at, timeout=120)
    on_topic: Counter = Counter()
    for (event_id, _, _), copies in landed.items():
        on_topic[event_id] += copies
    result.notifications_expected = len(expected_ids)
    result.notifications_distinct = len(on_topic)
    result.notification_resends = sum(n - 1 for n in on_topic.values())
    result.note("lost", len(expected_ids - set(on_topic)), "notifications never delivered")
    result.note("duplicated", len(set(on_topic) - expected_ids), "notifications no rule wanted")
    _check_outbox(result, {(p, o): event_id for event_id, p, o in landed})

    # Read models: identical to a rebuild from the event store alone.
    before = _read_models_snapshot()
    rebuild_read_models(chunk_size=REBUILD_CHUNK)
    after = _read_models_snapshot()
    result.read_models_compared = {name: len(documents) for name, documents in before.items()}
    differing = [name for name in before if before[name] != after[name]]
    if differing:
        result.problems.append(f"read models differ from a rebuild: {differing}")
    return result


def _landed_at(message) -> tuple[str | None, int, int]:
    event_id = dict(message.headers() or []).get("event_id", b"").decode() or None
    return event_id, message.partition(), message.offset()


def _check_outbox(result: Accounting, on_topic: dict[tuple[int, int], str | None]) -> None:
    """No row left in flight, and each DELIVERED row's recorded position holds its record."""
    from cases.models import Notification

    rows = Notification.objects.values_list(
        "pk", "status", "delivered_partition", "delivered_offset", "in_flight"
    )
    for pk, status, partition, offset, in_flight in rows.iterator(chunk_size=5000):
        if in_flight:
            result.notifications_in_flight += 1
        if status == "DELIVERED" and on_topic.get((partition, offset)) != str(pk):
            result.notifications_misplaced += 1
    for count, what in (
        (result.notifications_in_flight, "outbox rows still marked in flight"),
        (result.notifications_misplaced, "DELIVERED rows whose recorded offset is not theirs"),
    ):
        if count:
            result.problems.append(f"{count} {what}")


def _committed_kafka_events() -> dict[str, set]:
    """Event ids of committed commands caused by Kafka records, by correlation id."""
    from cases.core import event_store
    from cases.models import EventCommit, StoredEvent

    committed = set(EventCommit.objects.filter(aborted=False).values_list("pk", flat=True))
    stored: dict[str, set] = {}
    rows = StoredEvent.objects.values_list("correlation_id", "event_id", "metadata")
    for correlation_id, event_id, metadata in rows.iterator(chunk_size=5000):
        causation = (metadata or {}).get("causation_id", "")
        if causation.startswith("kafka:") and event_store.command_id_of(causation) in committed:
            stored.setdefault(correlation_id, set()).add(event_id)
    return stored


def _expected_notifications(cases: list) -> set[str]:
    """Ids the CASE_CREATED rules owe, derived as cases.notifications.services derives them."""
    from cases.core import events as ev
    from cases.models import NotificationRule
    from cases.models.notifications import NotificationTrigger
    from cases.notifications.services import _local_match

    trigger = NotificationTrigger.CASE_CREATED
    rules = sorted(
        NotificationRule.objects.filter(trigger=trigger, is_active=True),
        key=lambda rule: (rule.priority, str(rule.pk)),
    )
    wanted = set()
    for case in cases:
        if _local_match(rules, trigger, case.traitement_type, case.case_type):
            notification_id = ev.derive_id(f"case:{case.id}", "notification", trigger)
            # The relay's event_id header is the NotificationRequired event's id.
            wanted.add(str(ev.derive_id(f"notification:{notification_id}", "event", 0)))
    return wanted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--produced", required=True, type=Path)
    parser.add_argument("--bootstrap", required=True)
    args = parser.parse_args(argv)
    import django

    django.setup()
    produced = json.loads(args.produced.read_text())
    result = account(
        args.topic,
        {tuple(p) for p in produced["valid"]},
        {tuple(p) for p in produced["invalid"]},
        args.bootstrap,
    )
    figures = json.dumps(asdict(result))
    # Kept beside the produced records: a long run's figures outlive the harness that asked.
    args.produced.with_name("accounting.json").write_text(figures + "\n")
    print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
