"""Run client updates (SPEC §3b): decide → append → project → signal, per case in rounds.

Concurrency: an update first appends its `ClientDataUpdated` alone, at the case version it read.
Whoever wins that version owns the case for this change; a loser reloads, decides again and
retries (at most MAX_ATTEMPTS), then gives up as FAILED with the reason — never a lost update.
Projection writes the case read model last, so a case whose version moved has all of the
update's other read models in place.

Idempotency: every event id derives from the record. A record whose events are stored (a
redelivery) re-projects them instead of deciding again; a record that was already processed
and changed nothing stays a no-op, so a replay of an old record never rolls data back.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from cases.client_updates.commands import UpdateCaseFromClientEvent
from cases.client_updates.handlers import UpdateDecision, handle_update_case_from_client_event
from cases.client_updates.state import load_snapshots
from cases.core import event_store, projections
from cases.core import events as ev
from cases.core.errors import ClientConflict, ConcurrencyConflict
from cases.core.lifecycle import ACTIVE_CASE_STATUSES
from cases.core.signals import client_data_updated
from cases.documents.rules import DocumentRuleData
from cases.models import Case, StoredEvent

__all__ = [
    "BACKOFF_SECONDS",
    "CREATED",
    "FAILED",
    "MAX_ATTEMPTS",
    "MAX_BACKOFF_SECONDS",
    "REJECTED",
    "UNCHANGED",
    "UPDATED",
    "IntakeResult",
    "IntakeResults",
    "run_updates",
]

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "no change"
REJECTED = "rejected"
FAILED = "failed"

MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 0.05  # doubled per attempt, at most MAX_BACKOFF_SECONDS: ~4.5 s in all
MAX_BACKOFF_SECONDS = 1.0


@dataclass
class IntakeResult:
    """What became of one intake command; `errors` as [{loc, msg}] for REJECTED and FAILED."""

    outcome: str
    case_id: uuid.UUID | None = None
    reason: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)
    event_ids: list[uuid.UUID] = field(default_factory=list)


class IntakeResults(list):
    """One IntakeResult per command, in order, plus the read models the batch created (the
    case_opened receivers render notifications from them instead of reading them back)."""

    def __init__(self, results: list[IntakeResult], created_read_models: list[Any]):
        super().__init__(results)
        self.created_read_models = created_read_models


def _first_event_id(command: UpdateCaseFromClientEvent) -> uuid.UUID:
    return ev.derive_id(command.source, "event", 0)


def run_updates(
    updates: list[tuple[int, UpdateCaseFromClientEvent]],
    settled: frozenset[str],
    rules: list[DocumentRuleData],
    results: list[IntakeResult | None],
) -> list[int]:
    """Apply the updates in rounds: the k-th update of every case in round k (offset order)."""
    if not updates:
        return []
    stored = set(
        StoredEvent.objects.filter(pk__in=[_first_event_id(c) for _, c in updates]).values_list(
            "pk", flat=True
        )
    )
    rounds: list[list[tuple[int, UpdateCaseFromClientEvent]]] = []
    depth: dict[uuid.UUID, int] = {}
    for index, command in updates:
        if _first_event_id(command) in stored and _complete_stored_update(command, results, index):
            continue
        if command.source in settled and _first_event_id(command) not in stored:
            results[index] = IntakeResult(UNCHANGED, command.case_id)
            continue
        level = depth.get(command.case_id, 0)
        depth[command.case_id] = level + 1
        if level == len(rounds):
            rounds.append([])
        rounds[level].append((index, command))
    reopen: list[int] = []
    for pending in rounds:
        reopen += _run_round(pending, rules, results)
    return reopen


def _complete_stored_update(
    command: UpdateCaseFromClientEvent, results: list[IntakeResult | None], index: int
) -> bool:
    """A redelivered update whose events are all stored: project them again (version-gated,
    so only what a crash left out is written). False when the append itself was cut short."""
    events = list(
        StoredEvent.objects.filter(
            correlation_id=str(command.raw_event_id or command.source)
        ).order_by("sequence")
    )
    # Only a committed command counts (cases.core.event_store): an append cut short before its
    # commit marker is decided and appended again, which completes it with the same ids.
    events = event_store.visible(
        e for e in events if e.metadata.get("causation_id") == command.source
    )
    if not events or len(events) < events[0].payload.get("event_count", len(events)):
        return False
    _project({command.case_id}, events)
    results[index] = IntakeResult(UPDATED, command.case_id, event_ids=[e.event_id for e in events])
    _announce([events[0]])
    return True


def _project(case_ids: set[uuid.UUID], events: list[Any]) -> None:
    """The cases' read models last: a case's version says the whole update is visible."""
    projections.project([e for e in events if e.aggregate_id not in case_ids])
    projections.project([e for e in events if e.aggregate_id in case_ids])


def _announce(locks: list[Any]) -> None:
    """One signal for the updates just projected (their ClientDataUpdated events)."""
    if locks:
        client_data_updated.send(
            sender=Case, updates={lock.aggregate_id: lock.event_id for lock in locks}
        )


def _run_round(
    pending: list[tuple[int, UpdateCaseFromClientEvent]],
    rules: list[DocumentRuleData],
    results: list[IntakeResult | None],
) -> list[int]:
    reopen: list[int] = []
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            # The winner projects the case last; give it time to finish before reloading.
            time.sleep(min(BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))
        snapshots = load_snapshots([command.case_id for _, command in pending])
        decided: list[tuple[int, UpdateCaseFromClientEvent, UpdateDecision]] = []
        missing: list[tuple[int, UpdateCaseFromClientEvent]] = []
        for index, command in pending:
            snapshot = snapshots.get(command.case_id)
            if snapshot is None:  # being rewritten by another writer this instant: retry
                missing.append((index, command))
                continue
            if snapshot.status not in ACTIVE_CASE_STATUSES:
                reopen.append(index)
                continue
            try:
                decision = handle_update_case_from_client_event(command, snapshot, rules)
            except ClientConflict as exc:
                results[index] = IntakeResult(
                    REJECTED,
                    command.case_id,
                    reason=exc.reason,
                    errors=[{"loc": i.loc, "msg": i.msg} for i in exc.issues],
                )
                continue
            if decision.unchanged:
                results[index] = IntakeResult(UNCHANGED, command.case_id)
            else:
                decided.append((index, command, decision))
        lost: set[uuid.UUID] = set()
        try:
            event_store.append([decision.events[0] for _, _, decision in decided])
        except ConcurrencyConflict as exc:
            lost = set(exc.aggregate_ids)
        won = [item for item in decided if item[1].case_id not in lost]
        event_store.append([e for _, _, decision in won for e in decision.events[1:]])
        _project(
            {command.case_id for _, command, _ in won},
            [e for _, _, decision in won for e in decision.events],
        )
        for index, command, decision in won:
            results[index] = IntakeResult(
                UPDATED, command.case_id, event_ids=[e.event_id for e in decision.events]
            )
        _announce([decision.events[0] for _, _, decision in won])
        pending = missing + [(i, command) for i, command, _ in decided if command.case_id in lost]
        if not pending:
            return reopen
    for index, command in pending:
        results[index] = IntakeResult(
            FAILED,
            command.case_id,
            reason="concurrent_updates",
            errors=[
                {
                    "loc": "$",
                    "msg": f"case {command.case_id} changed under this update {MAX_ATTEMPTS} "
                    "times in a row; nothing was applied, replay the record to retry",
                }
            ],
        )
    return reopen
