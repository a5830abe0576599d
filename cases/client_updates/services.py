"""Route intake records to CreateCase or UpdateCaseFromClientEvent (SPEC §3b).

`route_intake` is the one entry point of the Kafka ingest, `open_or_update` the API's: one
indexed query finds the batch's clients' cases, records of one client are applied in the order
given (offset order), updates run through `cases.client_updates.updates`.

One open case per client holds under concurrent writers through the client's claim
(`cases.client_updates.claims`): a create that loses it routes again, as an update of the
winner's case, as if its record had arrived second.
"""

from __future__ import annotations

import time
import uuid

from cases.client_updates import claims
from cases.client_updates.commands import UpdateCaseFromClientEvent
from cases.client_updates.updates import (
    BACKOFF_SECONDS,
    CREATED,
    FAILED,
    MAX_ATTEMPTS,
    MAX_BACKOFF_SECONDS,
    REJECTED,
    UNCHANGED,
    UPDATED,
    IntakeResult,
    IntakeResults,
    run_updates,
)
from cases.core.errors import ClientConflict, ConcurrencyConflict
from cases.documents.rules import DocumentRuleData, load_document_rules
from cases.intake.commands import CreateCase
from cases.intake.handlers import case_id_for
from cases.intake.requested import CreatedCase, create_case
from cases.intake.services import open_cases

__all__ = [
    "CREATED",
    "FAILED",
    "MAX_ATTEMPTS",
    "REJECTED",
    "UNCHANGED",
    "UPDATED",
    "IntakeResult",
    "IntakeResults",
    "find_open_cases",
    "open_or_update",
    "route_intake",
]


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
    created: list = []
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
        pending = run_updates(updates, settled, rules, results)
        if not pending:
            break
    else:
        for index in pending:
            results[index] = results[index] or _too_contended(commands[index])
    return IntakeResults(
        [result or IntakeResult(FAILED, reason="not processed") for result in results], created
    )


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
        if run_updates(updates, frozenset(), rules, results):
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
