"""Risk services (SPEC §3d): rate cases, the four-eyes override, re-rating under a new model.

- `assess_cases`: the bulk path every re-rating takes (a client update, a screening
  resolution, `reassess`): a constant number of reads per page of cases, one append and one
  projection pass; a case whose rating and model version did not change appends nothing.
- `case_risk`: a case's risk as the edges show it.
- `propose_override`, `approve_override`, `return_override`: through the command bus.
- `reassess`: every client's latest case under the current model, page by page.

The rating at creation is not here: it is part of `CreateCase` (cases.intake.handlers), with
the model loaded once per batch.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from cases.core import bulk, event_store, projections
from cases.core import events as ev
from cases.core.command_bus import execute, load
from cases.core.errors import ConcurrencyConflict, NotAllowed
from cases.documents.rules import DocumentRuleData, load_document_rules
from cases.models import BeneficialOwner, Case, Client, Company
from cases.risk import handlers
from cases.risk.commands import ApproveRiskOverride, ProposeRiskOverride, ReturnRiskOverride
from cases.risk.facts import OwnerFacts, build_facts
from cases.risk.rating import RiskFacts, RiskModelData, rate
from cases.risk.versions import current_model, current_model_or_none
from cases.screening import events as se
from cases.screening.services import case_facts
from cases.workflow.authorisation import Actor, username_of
from cases.workflow.services import resolve_actor

__all__ = [
    "CaseRisk",
    "approve_override",
    "assess_cases",
    "case_risk",
    "propose_override",
    "reassess",
    "return_override",
]

logger = logging.getLogger(__name__)

PAGE_SIZE = 500
_RETRIES = 3


# --- Loading ------------------------------------------------------------------------------------


def risk_case(case: Case, *, full: bool = False) -> handlers.RiskCase:
    """The case as risk decisions see it; parties and requirement ids only when `full` (the
    EDD raise needs them; a rating that changes nothing does not)."""
    return handlers.RiskCase(
        case=case_facts(case, with_parties=full, with_requirements=full),
        client_id=case.client_id,
        risk_level=case.risk_level,
        risk_score=case.risk_score,
        risk_factors=tuple(case.risk_factors or ()),
        risk_model_version=case.risk_model_version,
        override=case.risk_override,
        overridden=case.risk_overridden,
    )


def _owners_by_company(company_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[OwnerFacts]]:
    owners: dict[uuid.UUID, list[OwnerFacts]] = {}
    rows = BeneficialOwner.objects.filter(
        company_id__in=list(company_ids), removed_at=None
    ).values_list("company_id", "ownership_percentage", "is_ubo", "types_of_control")
    for company_id, percentage, is_ubo, controls in rows.order_by():
        owners.setdefault(company_id, []).append(
            OwnerFacts(percentage, bool(is_ubo), tuple(controls or ()))
        )
    return owners


def facts_of(case: Case, company: Company | None, owners: Sequence[OwnerFacts]) -> RiskFacts:
    """A case's facts from its read models (the same builder as at creation)."""
    kyb = case.traitement_type == "KYB" and company is not None
    address = (company.registered_address or None) if kyb else None
    return build_facts(
        case_type=case.upstream_case_type or case.case_type,
        traitement_type=case.traitement_type,
        incorporation_country=company.country_of_incorporation if kyb else None,
        address_country=getattr(address, "country", None) if address else None,
        sector=company.industry_sector if kyb else None,
        owners=owners if kyb else (),
        confirmed_topics=case.confirmed_hit_topics or (),
    )


@dataclass
class RatingInputs:
    cases: list[Case]
    companies: dict[uuid.UUID, Company] = field(default_factory=dict)
    owners: dict[uuid.UUID, list[OwnerFacts]] = field(default_factory=dict)


def load_inputs(case_ids: Sequence[uuid.UUID]) -> RatingInputs:
    """Three reads for any number of cases: the cases, their companies, their owners."""
    cases = list(Case.objects.filter(pk__in=list(case_ids)).order_by())
    company_ids = {c.company_id for c in cases if c.company_id}
    if not company_ids:
        return RatingInputs(cases)
    companies = {c.pk: c for c in Company.objects.filter(pk__in=list(company_ids)).order_by()}
    return RatingInputs(cases, companies, _owners_by_company(company_ids))


# --- Rating existing cases ------------------------------------------------------------------------


def _decide(
    case: Case,
    loaded: RatingInputs,
    model: RiskModelData,
    reason: str,
    rules: Sequence[DocumentRuleData],
    occurred_at: datetime,
) -> list[ev.DomainEvent]:
    company = loaded.companies.get(case.company_id) if case.company_id else None
    rating = rate(facts_of(case, company, loaded.owners.get(case.company_id, [])), model)
    current = risk_case(case)
    if current.same_rating(rating, model.version):
        return []
    sequence = handlers.assessment_sequence(current, occurred_at)
    events = handlers.add_assessment(sequence, current, rating, model.version, reason, rules)
    if any(e.event_type == se.CASE_RAISED_TO_EDD for e in events):
        # Rare: decide again knowing the parties and requirements the raise re-determines.
        full = risk_case(case, full=True)
        sequence = handlers.assessment_sequence(full, occurred_at)
        events = handlers.add_assessment(sequence, full, rating, model.version, reason, rules)
    return events


def assess_cases(
    case_ids: Sequence[uuid.UUID],
    reason: str,
    *,
    model: RiskModelData | None = None,
    rules: Sequence[DocumentRuleData] | None = None,
) -> int:
    """Rate the cases under `model` (the current one by default); returns how many changed.

    Idempotent: a case whose rating and model version are those it has appends nothing, and
    the events of one case version derive their ids from it. A case another writer moved in
    the meantime is re-read and decided again.
    """
    model = model or current_model_or_none()
    if not case_ids or model is None:  # no risk model yet (an empty database): nothing to rate
        return 0
    rules = load_document_rules() if rules is None else rules
    pending = list(dict.fromkeys(case_ids))
    changed = 0
    for _ in range(_RETRIES):
        loaded = load_inputs(pending)
        now = timezone.now()
        decided = {
            case.pk: events
            for case in loaded.cases
            if (events := _decide(case, loaded, model, reason, rules, now))
        }
        if not decided:
            return changed
        events = [e for group in decided.values() for e in group]
        try:
            event_store.append(events)
        except ConcurrencyConflict:
            # Another writer moved some of these cases: append the others one by one, and
            # read the moved ones again.
            moved = _append_each(decided)
            changed += len(decided) - len(moved)
            pending = moved
            continue
        projections.project(events, known=[c for c in loaded.cases if c.pk in decided])
        return changed + len(decided)
    logger.warning("risk: %d case(s) kept moving and were not rated now", len(pending))
    return changed


def _append_each(decided: dict[uuid.UUID, list[ev.DomainEvent]]) -> list[uuid.UUID]:
    """Append and project each case's events alone; returns the cases that conflicted."""
    moved = []
    for case_id, events in decided.items():
        try:
            event_store.append(events)
        except ConcurrencyConflict:
            moved.append(case_id)
            continue
        projections.project(events)
    return moved


def reassess(
    *,
    model: RiskModelData | None = None,
    page_size: int = PAGE_SIZE,
    on_progress: Callable[[int, int], Any] | None = None,
) -> tuple[int, int]:
    """Re-rate every client's latest case under the current model: (clients seen, changed).

    Pages through clients by `client_id` (its unique index); each page is one `assess_cases`
    (three reads, and for the cases that changed one append and one projection pass).
    Idempotent: run again with the same model, it reads and appends nothing.
    """
    model = model or current_model()
    rules = load_document_rules()
    total = bulk.collection(Client).estimated_document_count()
    seen = changed = 0
    after = ""
    while True:
        page = list(
            Client.objects.filter(client_id__gt=after)
            .order_by("client_id")
            .values_list("client_id", "open_case_id", "case_ids")[:page_size]
        )
        if not page:
            if on_progress is not None:
                on_progress(seen, max(seen, 1))
            return seen, changed
        after = page[-1][0]
        latest = [
            open_case or uuid.UUID(str(case_ids[-1]))
            for _, open_case, case_ids in page
            if open_case or case_ids
        ]
        changed += assess_cases(latest, handlers.REASSESSMENT, model=model, rules=rules)
        seen += len(page)
        if on_progress is not None:
            on_progress(seen, max(total, seen + 1))


# --- Reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRisk:
    case_id: uuid.UUID
    case_version: int
    level: str | None
    score: int | None
    factors: list[dict[str, Any]]
    model_version: int | None
    assessed_at: datetime | None
    override: dict[str, Any] | None
    overridden: dict[str, Any] | None


def case_risk(case_id: uuid.UUID | str) -> CaseRisk:
    case = load(Case, uuid.UUID(str(case_id)))
    return CaseRisk(
        case_id=case.pk,
        case_version=case.version,
        level=case.risk_level,
        score=case.risk_score,
        factors=list(case.risk_factors or []),
        model_version=case.risk_model_version,
        assessed_at=case.risk_assessed_at,
        override=case.risk_override,
        overridden=case.risk_overridden,
    )


# --- The override ------------------------------------------------------------------------------


def _actor(name: str) -> Actor:
    actor = resolve_actor(name)
    if actor is None:
        raise NotAllowed(f"{username_of(name)!r} is not an active user")
    return actor


def propose_override(command: ProposeRiskOverride) -> Case:
    """An analyst proposes another level with a rationale; a lead approves or returns it."""
    actor = _actor(command.actor)
    case, _ = execute(
        Case,
        command.case_id,
        command,
        lambda case: handlers.handle_propose_override(command, risk_case(case), actor),
    )
    return case


def approve_override(command: ApproveRiskOverride) -> Case:
    """A lead other than the proposer makes the override the case's level (HIGH raises to EDD)."""
    actor = _actor(command.actor)
    rules = load_document_rules()
    case, _ = execute(
        Case,
        command.case_id,
        command,
        lambda case: handlers.handle_approve_override(
            command, risk_case(case, full=True), actor, rules
        ),
    )
    return case


def return_override(command: ReturnRiskOverride) -> Case:
    actor = _actor(command.actor)
    case, _ = execute(
        Case,
        command.case_id,
        command,
        lambda case: handlers.handle_return_override(command, risk_case(case), actor),
    )
    return case
