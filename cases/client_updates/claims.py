"""The claim that makes "one open case per client" hold under concurrent writers (SPEC §3b).

Opening a case also appends `ClientCaseOpened` to the client's own stream (aggregate id derived
from the client id) at version = the client's case generation: 1 for its first case, n + 1
once its n cases are all closed. The event store's unique (aggregate, version) key then lets
exactly one of two writers that both saw "no open case" take generation n + 1; the other gets
ConcurrencyConflict, learns the winner's case from the stored claim and routes its record as an
update of that case. The claim shares the case's commit marker (same causation), so it is
visible exactly when the case's events are, and a claim left uncommitted by a dead writer is
reaped like any abandoned append (`cases.core.event_store`). No projection reads it: a rebuild
replays it as a no-op, and the generation is recounted from the Case read model.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cases.core import event_store
from cases.core import events as ev
from cases.core.lifecycle import ACTIVE_CASE_STATUSES
from cases.intake.commands import CreateCase
from cases.intake.handlers import case_id_for
from cases.models import Case, StoredEvent

__all__ = [
    "CLIENT",
    "CLIENT_CASE_OPENED",
    "Claim",
    "ClientCases",
    "claim_event",
    "client_cases",
    "involves_clients",
    "winners",
]

CLIENT = "Client"
CLIENT_CASE_OPENED = "ClientCaseOpened"


def stream_id(client_id: str) -> uuid.UUID:
    return ev.derive_id("client", client_id)


@dataclass(frozen=True)
class Claim:
    """A stored claim: which case holds a client's generation."""

    generation: int
    case_id: uuid.UUID


@dataclass(frozen=True)
class ClientCases:
    """A client's cases as the read model shows them: the open one (newest first should an old
    duplicate exist) and every case id, to number the next generation."""

    open_case: uuid.UUID | None
    case_ids: frozenset[uuid.UUID]

    def next_generation(self, own_case: uuid.UUID) -> int:
        """The generation a case opened now takes; a redelivered record's own case (already
        projected) does not count, so its claim lands on the version it first took."""
        return 1 + len(self.case_ids - {own_case})


def client_cases(client_ids: list[str]) -> dict[str, ClientCases]:
    """One query on the `case_client` index for the clients of a batch."""
    rows = (
        Case.objects.filter(client_id__in=sorted(set(client_ids)))
        .order_by("client_id", "-created_at")
        .values_list("client_id", "id", "status")
    )
    open_case: dict[str, uuid.UUID] = {}
    ids: dict[str, set[uuid.UUID]] = {}
    for client_id, case_id, status in rows:
        ids.setdefault(client_id, set()).add(case_id)
        if status in ACTIVE_CASE_STATUSES:
            open_case.setdefault(client_id, case_id)
    return {
        client_id: ClientCases(open_case.get(client_id), frozenset(ids.get(client_id, ())))
        for client_id in set(client_ids)
    }


def claim_event(command: CreateCase, generation: int, sequence: int = 0) -> ev.DomainEvent:
    """The claim of `generation` for the case `command` opens (ids derive from its source).

    `sequence` puts it after the case's own events (SPEC §3 order is unchanged)."""
    case_id = case_id_for(command.source)
    client_id = command.message.client_id
    return ev.DomainEvent(
        event_id=ev.derive_id(command.source, "client-claim"),
        event_type=CLIENT_CASE_OPENED,
        aggregate_type=CLIENT,
        aggregate_id=stream_id(client_id),
        version=generation,
        occurred_at=command.occurred_at,
        # "opened_case_id", not "case_id": the claim is the client's, not part of the case's
        # own history (event_store.case_of).
        payload={"client_id": client_id, "opened_case_id": str(case_id), "generation": generation},
        metadata=ev.Metadata(
            correlation_id=str(command.raw_event_id or command.source),
            causation_id=command.source,
            trace_id=command.trace_id,
            actor=command.actor,
        ),
        sequence=sequence,
    )


def winners(aggregate_ids: list[uuid.UUID], client_ids: list[str]) -> dict[str, Claim]:
    """The newest committed claim of each client whose stream is among `aggregate_ids` (one
    indexed read); a claim still uncommitted is left out (its writer is finishing, or it is
    abandoned and will be reaped)."""
    streams = {stream_id(client_id): client_id for client_id in set(client_ids)}
    lost = [aggregate_id for aggregate_id in aggregate_ids if aggregate_id in streams]
    if not lost:
        return {}
    held = event_store.visible(
        StoredEvent.objects.filter(aggregate_id__in=lost).order_by("aggregate_id", "version")
    )
    found: dict[str, Claim] = {}
    for event in held:
        found[streams[event.aggregate_id]] = Claim(
            event.version, uuid.UUID(event.payload["opened_case_id"])
        )
    return found


def involves_clients(aggregate_ids: list[uuid.UUID], client_ids: list[str]) -> bool:
    streams = {stream_id(client_id) for client_id in client_ids}
    return any(aggregate_id in streams for aggregate_id in aggregate_ids)
