"""Route intake records to CreateCase or UpdateCaseFromClientEvent, and run the updates.

`route_intake` is the one entry point of the intake path (the Kafka ingest and, the same way,
`POST /api/v1/cases`): one indexed query finds the open cases of the batch's clients, records of
one client are applied in the order given (offset order), and each update runs decide → append
→ project → signal.

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

from cases import event_store, projections
from cases import events as ev
from cases.client_updates import claims
from cases.client_updates.commands import UpdateCaseFromClientEvent
from cases.client_updates.handlers import UpdateDecision, handle_update_case_from_client_event
from cases.client_updates.state import load_snapshots
from cases.commands import CreateCase
from cases.errors import ClientConflict, ConcurrencyConflict
from cases.handlers import case_id_for
from cases.intake_service import CreatedCase, create_case
from cases.lifecycle import ACTIVE_CASE_STATUSES
from cases.models import Case, StoredEvent
from cases.rules import DocumentRuleData, load_document_rules
from cases.services import open_cases
from cases.signals import client_data_updated

__all__ = [
    "CREATED",
    "FAILED",
    "MAX_ATTEMPTS",
    "REJECTED",
    "UNCHANGED",
    "UPDATED",
    "IntakeResult",
    "IntakeResults",
    "open_or_update",
    "route_intake",
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


def find_open_cases(client_ids: list[str]) -> dict[str, uuid.UUID]:
    """The open case of each client that has one (one query on the `case_client` index)."""
    found = claims.client_cases(client_ids)
    return {client_id: c.open_case for client_id, c in found.items() if c.open_case is not None}


def _route(
    items: list[tuple[int, CreateCase]], pinned: dict[str, claims.Claim]
) -> tuple[list[tuple[int, int]], list[tuple[int, UpdateCaseFromClientEvent]]]:
    """(creates as (index, generation), updates), in the order given. `pinned` holds claims
    that beat this writer's: their case is open even if its read model is not there yet."""
    found = claims.client_cases([command.message.client_id for _, command in items])
    target: dict[str, uuid.UUID | None] = {}
    creates: list[tuple[int, int]] = []
    updates: list[tuple[int, UpdateCaseFromClientEvent]] = []
    for index, command in items:
        client_id = command.message.client_id
        own_case = case_id_for(command.source)
        cases = found[client_id]
        generation = cases.next_generation(own_case)
        if client_id not in target:
            target[client_id] = cases.open_case
            winner = pinned.get(client_id)
            if cases.open_case is None and winner and winner.generation >= generation:
                target[client_id] = winner.case_id
        case_id = target[client_id]
        if case_id is None or case_id == own_case:  # no open case, or this record opened it
            creates.append((index, generation))
            target[client_id] = own_case
        else:
            updates.append((index, UpdateCaseFromClientEvent.routed(command, case_id)))
    return creates, updates


def _pause(attempt: int) -> None:
    time.sleep(min(BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))


def _lost_to(exc: ConcurrencyConflict, commands: list[CreateCase]) -> dict[str, claims.Claim]:
    """The claims that beat these creates; a conflict on anything but a client's claim is not
    the routing race and goes up unchanged."""
    client_ids = [command.message.client_id for command in commands]
    if not claims.involves_clients(exc.aggregate_ids, client_ids):
        raise exc
    return claims.winners(exc.aggregate_ids, client_ids)


def _too_contended(command: CreateCase) -> IntakeResult:
    return IntakeResult(
        FAILED,
        reason="concurrent_updates",
        errors=[
            {
                "loc": "$",
                "msg": f"client {command.message.client_id} was claimed by other writers "
                f"{MAX_ATTEMPTS} times in a row; nothing was applied, replay the record to retry",
            }
        ],
    )


def route_intake(
    commands: list[CreateCase],
    *,
    settled: frozenset[str] = frozenset(),
    rules: list[DocumentRuleData] | None = None,
) -> IntakeResults:
    """One result per command, in order. `settled` names sources already processed once
    (replays): their update is never decided again, only completed if it was interrupted.

    A create that loses its client's claim (cases.client_updates.claims) is routed again, as
    an update of the winner's case; so is an update whose case closed meanwhile (it opens the
    next case, or updates the one another record just opened).
    """
    rules = load_document_rules() if rules is None else rules
    results: list[IntakeResult | None] = [None] * len(commands)
    created: list[Any] = []
    pending = list(range(len(commands)))
    pinned: dict[str, claims.Claim] = {}
    for attempt in range(MAX_ATTEMPTS):
        creates, updates = _route([(index, commands[index]) for index in pending], pinned)
        if creates:
            batch = [commands[index] for index, _ in creates]
            try:
                opened = open_cases(batch, rules, generations=[g for _, g in creates])
            except ConcurrencyConflict as exc:  # nothing of this pass was kept: route again
                pinned.update(_lost_to(exc, batch))
                _pause(attempt + 1)
                continue
            created += opened.created_read_models
            for (index, _), case_id in zip(creates, opened.case_ids, strict=True):
                results[index] = IntakeResult(CREATED, case_id)
        pending = _run_updates(updates, settled, rules, results)
        if not pending:
            break
    else:
        for index in pending:
            results[index] = results[index] or _too_contended(commands[index])
    return IntakeResults(
        [result or IntakeResult(FAILED, reason="not processed") for result in results], created
    )


def _first_event_id(command: UpdateCaseFromClientEvent) -> uuid.UUID:
    return ev.derive_id(command.source, "event", 0)


def _run_updates(
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
    # Only a committed command counts (cases.event_store): an append cut short before its
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


def open_or_update(
    command: CreateCase, rules: list[DocumentRuleData] | None = None
) -> IntakeResult | CreatedCase:
    """The API's path: apply `command` to its client's open case (an IntakeResult), or open
    one (a CreatedCase) holding the client's claim. Refusals raise `ClientConflict` (409).

    Idempotent like the batch path: a retry with the same source completes or repeats the
    first answer.
    """
    rules = load_document_rules() if rules is None else rules
    pinned: dict[str, claims.Claim] = {}
    for attempt in range(MAX_ATTEMPTS):
        creates, updates = _route([(0, command)], pinned)
        if creates:
            try:
                return create_case(command, generation=creates[0][1])
            except ConcurrencyConflict as exc:  # another writer opened it: update that case
                pinned.update(_lost_to(exc, [command]))
                _pause(attempt + 1)
                continue
        results: list[IntakeResult | None] = [None]
        if _run_updates(updates, frozenset(), rules, results):
            continue  # the case closed between routing and deciding: route again
        result = results[0]
        if result is None:  # _run_updates fills every slot it is given
            raise RuntimeError("client update left no result")
        if result.outcome in (REJECTED, FAILED):
            issue = result.errors[0]
            raise ClientConflict(issue["loc"], issue["msg"])
        return result
    issue = _too_contended(command).errors[0]
    raise ClientConflict(issue["loc"], issue["msg"])
