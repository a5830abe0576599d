"""Risk decisions (SPEC §3d): plain data in, events out. Pure.

- `add_assessment`: RiskAssessed when the rating or the model version differs from the case's
  last one, RiskLevelChanged when the case's level moves, and the EDD raise for HIGH and above.
- the override: proposed by an analyst with a rationale, approved or returned by a member of
  the lead group who is not the proposer (superusers included).

The case's level (`Case.risk_level`) is the effective one: the approved override's while the
computed rating stays what it was when the override was approved; a rating that moves the
computed level clears the override (the facts changed, so the judgement is taken again).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cases.core import events as ev
from cases.core import lifecycle
from cases.core.errors import CaseNotActive, InvalidCommand, NotAllowed, RiskOverrideConflict
from cases.core.requests import iso_ms, request_sequence
from cases.documents.rules import DocumentRuleData
from cases.risk.commands import ApproveRiskOverride, ProposeRiskOverride, ReturnRiskOverride
from cases.risk.rating import (
    HIGH,
    LEVELS,
    PROHIBITED,
    Rating,
    RiskFacts,
    RiskModelData,
    level_rank,
    rate,
)
from cases.screening import events as se
from cases.screening.handlers import CaseFacts, add_edd_raise
from cases.workflow.authorisation import Actor, check_may_approve
from cases.workflow.rules import LEAD_GROUP

__all__ = [
    "RiskCase",
    "add_assessment",
    "add_creation_assessment",
    "assessment_causation",
    "handle_approve_override",
    "handle_propose_override",
    "handle_return_override",
]

# Why a case was rated.
CASE_CREATED = "CASE_CREATED"
CLIENT_UPDATE = "CLIENT_UPDATE"
SCREENING_RESOLVED = "SCREENING_RESOLVED"
REASSESSMENT = "REASSESSMENT"


@dataclass(frozen=True)
class RiskCase:
    """What risk decisions need of a case (from its read model, or from its creation)."""

    case: CaseFacts
    client_id: str
    risk_level: str | None = None
    risk_score: int | None = None
    risk_factors: tuple[dict[str, Any], ...] = ()
    risk_model_version: int | None = None
    override: dict[str, Any] | None = None  # pending proposal
    overridden: dict[str, Any] | None = None  # approved override

    @property
    def computed_level(self) -> str | None:
        """The level the last rating computed (the override's base while one stands)."""
        if self.overridden:
            return self.overridden.get("computed_level") or self.risk_level
        return self.risk_level

    def same_rating(self, rating: Rating, model_version: int) -> bool:
        return (
            self.risk_level is not None
            and rating.level == self.computed_level
            and rating.score == self.risk_score
            and list(rating.factor_dicts()) == list(self.risk_factors)
            and model_version == self.risk_model_version
        )


def assessment_causation(case_id: uuid.UUID, based_on_version: int) -> str:
    """One rating per case version: a retry after a crash lands on the same event ids, and two
    writers rating the same version collide on the event store's (aggregate, version) key."""
    return f"risk:{case_id}:{based_on_version}"


def assessment_sequence(
    risk_case: RiskCase, occurred_at: datetime, *, actor: str = "system"
) -> ev.EventSequence:
    case = risk_case.case
    causation = assessment_causation(case.case_id, case.version)
    metadata = ev.Metadata(correlation_id=causation, causation_id=causation, actor=actor)
    return ev.EventSequence(metadata, occurred_at, start_versions={case.case_id: case.version})


def add_assessment(
    sequence: ev.EventSequence,
    risk_case: RiskCase,
    rating: Rating,
    model_version: int,
    reason: str,
    rules: Sequence[DocumentRuleData],
) -> list[ev.DomainEvent]:
    """The rating's events within `sequence`; [] when neither the rating nor the model changed."""
    if risk_case.same_rating(rating, model_version):
        return []
    case = risk_case.case
    keeps_override = bool(risk_case.overridden) and rating.level == risk_case.computed_level
    effective = risk_case.overridden["level"] if keeps_override else rating.level
    added = [
        sequence.add(
            ev.RISK_ASSESSED,
            ev.CASE,
            case.case_id,
            {
                "case_id": str(case.case_id),
                "client_id": risk_case.client_id,
                "level": rating.level,
                "score": rating.score,
                "factors": rating.factor_dicts(),
                "model_version": model_version,
                "reason": reason,
                "effective_level": effective,
                "previous_level": risk_case.risk_level,
                "override_cleared": bool(risk_case.overridden) and not keeps_override,
            },
        )
    ]
    added += _level_effects(sequence, risk_case, effective, reason, rules)
    return added


def _level_effects(
    sequence: ev.EventSequence,
    risk_case: RiskCase,
    new_level: str,
    reason: str,
    rules: Sequence[DocumentRuleData],
) -> list[ev.DomainEvent]:
    """RiskLevelChanged when the level moves; HIGH and above raise an open case to EDD."""
    case = risk_case.case
    added = []
    old = risk_case.risk_level
    if old is not None and old != new_level:
        added.append(
            sequence.add(
                ev.RISK_LEVEL_CHANGED,
                ev.CASE,
                case.case_id,
                {
                    "case_id": str(case.case_id),
                    "client_id": risk_case.client_id,
                    "old": old,
                    "new": new_level,
                    "reason": reason,
                },
            )
        )
    if (
        level_rank(new_level) >= level_rank(HIGH)
        and case.case_type != se.EDD_CASE_TYPE
        and not lifecycle.is_final_case_status(case.status)
    ):
        before = len(sequence.events)
        add_edd_raise(sequence, case, rules, reason=f"risk level {new_level}")
        added += sequence.events[before:]
    return added


def add_creation_assessment(
    sequence: ev.EventSequence,
    case: CaseFacts,
    client_id: str,
    facts: RiskFacts,
    model: RiskModelData,
    rules: Sequence[DocumentRuleData],
) -> list[ev.DomainEvent]:
    """The first rating of a new case, inside CreateCase (the model is the batch's)."""
    risk_case = RiskCase(case=case, client_id=client_id)
    return add_assessment(
        sequence, risk_case, rate(facts, model), model.version, CASE_CREATED, rules
    )


# --- The four-eyes override ---------------------------------------------------------------------


def _check_open(case: CaseFacts) -> None:
    if case.status in ("REJECTED", "CLOSED"):
        raise CaseNotActive(f"case {case.case_id} is {case.status}: its risk level is final")


def handle_propose_override(
    command: ProposeRiskOverride, risk_case: RiskCase, actor: Actor
) -> list[ev.DomainEvent]:
    """RiskOverrideProposed: an analyst sets another level, with a rationale, for a lead."""
    case = risk_case.case
    _check_open(case)
    if not actor.is_analyst:
        raise NotAllowed(f"{actor.username} is not an analyst; only analysts propose overrides")
    level = command.level.strip().upper()
    if level not in LEVELS:
        raise InvalidCommand(f"level must be one of {', '.join(LEVELS)}, not {command.level!r}")
    rationale = command.rationale.strip()
    if not rationale:
        raise InvalidCommand("a risk override needs a rationale")
    if risk_case.risk_level is None:
        raise RiskOverrideConflict(f"case {case.case_id} has not been rated yet")
    if risk_case.override:
        raise RiskOverrideConflict(
            f"an override to {risk_case.override['level']} by "
            f"{risk_case.override['proposed_by']} awaits a lead; approve or return it first"
        )
    if level == risk_case.risk_level:
        raise RiskOverrideConflict(f"the case is already {level}")
    if risk_case.computed_level == PROHIBITED:
        raise RiskOverrideConflict(
            "a PROHIBITED rating cannot be overridden: it follows from the risk model "
            "(a prohibited country or sector, a confirmed sanctions match); only REJECTED remains"
        )
    sequence = request_sequence(command, actor.event_actor, {case.case_id: case.version})
    sequence.add(
        ev.RISK_OVERRIDE_PROPOSED,
        ev.CASE,
        case.case_id,
        {
            "case_id": str(case.case_id),
            "level": level,
            "rationale": rationale,
            "by": actor.username,
            "proposed_at": iso_ms(command.occurred_at),
            "approval_group": LEAD_GROUP,
        },
    )
    return sequence.events


def _pending(risk_case: RiskCase, actor: Actor) -> dict[str, Any]:
    _check_open(risk_case.case)
    pending = risk_case.override
    if not pending:
        raise RiskOverrideConflict(f"case {risk_case.case.case_id} has no override to decide")
    check_may_approve(
        actor, proposed_by=pending["proposed_by"], approval_group=pending["approval_group"]
    )
    return pending


def handle_approve_override(
    command: ApproveRiskOverride,
    risk_case: RiskCase,
    actor: Actor,
    rules: Sequence[DocumentRuleData] = (),
) -> list[ev.DomainEvent]:
    """RiskOverrideApproved (a lead, not the proposer), then the level's effects."""
    pending = _pending(risk_case, actor)
    case = risk_case.case
    sequence = request_sequence(command, actor.event_actor, {case.case_id: case.version})
    sequence.add(
        ev.RISK_OVERRIDE_APPROVED,
        ev.CASE,
        case.case_id,
        {
            "case_id": str(case.case_id),
            "client_id": risk_case.client_id,
            "by": actor.username,
            "level": pending["level"],
            "rationale": pending["rationale"],
            "proposed_by": pending["proposed_by"],
            "computed_level": risk_case.computed_level,
            "previous_level": risk_case.risk_level,
        },
    )
    reason = f"override approved by {actor.username}: {pending['rationale']}"
    _level_effects(sequence, risk_case, pending["level"], reason, rules)
    return sequence.events


def handle_return_override(
    command: ReturnRiskOverride, risk_case: RiskCase, actor: Actor
) -> list[ev.DomainEvent]:
    """RiskOverrideReturned: the proposal is dropped, with the lead's reason."""
    reason = command.reason.strip()
    if not reason:
        raise InvalidCommand("returning a risk override needs a reason")
    pending = _pending(risk_case, actor)
    case = risk_case.case
    sequence = request_sequence(command, actor.event_actor, {case.case_id: case.version})
    sequence.add(
        ev.RISK_OVERRIDE_RETURNED,
        ev.CASE,
        case.case_id,
        {
            "case_id": str(case.case_id),
            "reason": reason,
            "by": actor.username,
            "proposed_by": pending["proposed_by"],
        },
    )
    return sequence.events
