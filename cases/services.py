"""Case services: run commands end to end (decide, append, project) for any caller.

The Kafka ingest, the REST API and the admin all come through here, so a case opened from a
Kafka record and one opened from the API are the same events and the same read models.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cases import event_store, projections
from cases.commands import CreateCase
from cases.events import DomainEvent
from cases.handlers import case_id_for, handle_create_case
from cases.rules import DocumentRuleData, load_document_rules


@dataclass(frozen=True)
class OpenedCases:
    case_ids: list[uuid.UUID]  # one per command, in command order
    newly_projected: frozenset[uuid.UUID]
    events: list[DomainEvent]


def open_cases(
    commands: list[CreateCase], rules: list[DocumentRuleData] | None = None
) -> OpenedCases:
    """Open many cases with one append and one projection pass (the consumer's batch path).

    Idempotent: re-running the same commands finds their events stored and their read models
    at the same version, and changes nothing.
    """
    rules = load_document_rules() if rules is None else rules
    events: list[DomainEvent] = []
    for command in commands:
        events.extend(handle_create_case(command, rules))
    event_store.append(events)
    outcome = projections.project(events)
    return OpenedCases(
        case_ids=[case_id_for(command.source) for command in commands],
        newly_projected=frozenset(outcome.created_case_ids),
        events=events,
    )
