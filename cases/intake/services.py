"""Case services: run commands end to end (decide, append, project) for any caller.

The Kafka ingest, the REST API and the admin all come through here, so a case opened from a
Kafka record and one opened from the API are the same events and the same read models.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import models

from cases.client_updates.claims import claim_event
from cases.core import event_store, projections
from cases.core.events import DomainEvent
from cases.core.phases import phase
from cases.documents.rules import DocumentRuleData, load_document_rules
from cases.intake.commands import (
    CreateCase,
)
from cases.intake.handlers import (
    case_id_for,
    handle_create_case,
)
from cases.risk.rating import RiskModelData
from cases.risk.versions import current_model_or_none
from cases.workflow.rules import SlaRuleData, load_sla_rules

__all__ = ["open_cases"]


@dataclass(frozen=True)
class OpenedCases:
    case_ids: list[uuid.UUID]  # one per command, in command order
    newly_projected: frozenset[uuid.UUID]
    events: list[DomainEvent]
    created_read_models: list[models.Model] = field(default_factory=list)


def open_cases(
    commands: list[CreateCase],
    rules: list[DocumentRuleData] | None = None,
    sla_rules: list[SlaRuleData] | None = None,
    *,
    generations: Sequence[int] | None = None,
    risk_model: RiskModelData | None = None,
    amend: Callable[[CreateCase, list[DomainEvent]], list[DomainEvent]] | None = None,
) -> OpenedCases:
    """Open many cases with one append and one projection pass (the consumer's batch path).

    `generations` (one per command) adds each case's claim on its client's stream
    (cases.client_updates.claims): a ConcurrencyConflict on it means another writer opened the
    client's case first, and nothing of this batch was kept. `amend` lets a caller that opens
    cases for its own reason add to each case's events before they are stored (a periodic
    review carries requirements over and records why it opened, cases.reviews).

    Idempotent: re-running the same commands finds their events stored and their read models
    at the same version, and changes nothing.
    """
    rules = load_document_rules() if rules is None else rules
    sla_rules = load_sla_rules() if sla_rules is None else sla_rules
    risk_model = current_model_or_none() if risk_model is None else risk_model
    events: list[DomainEvent] = []
    with phase("casemgmt.command.handle"):
        for index, command in enumerate(commands):
            decided = handle_create_case(command, rules, sla_rules, risk_model)
            if amend is not None:
                decided = amend(command, decided)
            events.extend(decided)
            if generations is not None:
                events.append(claim_event(command, generations[index], len(decided)))
    with phase("casemgmt.events.append"):
        event_store.append(events)
    with phase("casemgmt.projection.apply"):
        outcome = projections.project(events)
    return OpenedCases(
        case_ids=[case_id_for(command.source) for command in commands],
        newly_projected=frozenset(outcome.created_case_ids),
        events=events,
        created_read_models=outcome.created,
    )
