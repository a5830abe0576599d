"""Screening services (SPEC §3c): resolve the actor, load, decide, append, project, signal.

Entry points for the API and admin (`rescreen_case`, `resolve_hit`, `approve_hit_match`,
`return_hit_match`), the worker's unit (`process_request`) and the list-update fan-out
(`request_list_rescreen`). Decisions fold the case's screening history up to the case version
they append after, so the event store's (aggregate, version) key refuses a stale decision.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Callable, Collection
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from cases.core import event_store, projections
from cases.core import events as ev
from cases.core.command_bus import append, execute
from cases.core.errors import ConcurrencyConflict, NotAllowed, NotFound, VersionConflict
from cases.core.signals import screening_hit_resolved, screening_hits_raised
from cases.documents.rules import load_document_rules
from cases.models import (
    BeneficialOwner,
    Case,
    Company,
    DocumentRequirement,
    Person,
    ScreeningHit,
    ScreeningRequest,
    StoredEvent,
)
from cases.screening import events as se
from cases.screening import handlers
from cases.screening.commands import ApproveHitMatch, RescreenCase, ResolveHit, ReturnHitMatch
from cases.screening.projections import load_states
from cases.screening.state import ScreeningState, party_key
from cases.workflow.authorisation import Actor, username_of
from cases.workflow.services import resolve_actor
from screening.parties import Party
from screening.services import delta_entity_ids, screen

__all__ = [
    "approve_hit_match",
    "case_facts",
    "process_request",
    "request_backfill",
    "request_list_rescreen",
    "rescreen_case",
    "resolve_hit",
    "return_hit_match",
]

logger = logging.getLogger(__name__)

RESOLVE_PERMISSION = "cases.resolve_screeninghit"
# Clients whose parties a new list version re-screens (SPEC §3c).
MONITORED_STATUSES = ("OPEN", "IN_REVIEW", "PENDING_APPROVAL", "APPROVED")
MAX_ATTEMPTS = 5
PAGE_SIZE = 500


# --- Loading -----------------------------------------------------------------------------------


def current_parties(case: Case) -> list[tuple[str, uuid.UUID]]:
    """(kind, id) of the case's parties still on it: company, persons, beneficial owners."""
    parties: list[tuple[str, uuid.UUID]] = []
    if case.company_id:
        parties.append((se.COMPANY, case.company_id))
    persons = Person.objects.filter(case_id=case.pk, removed_at=None).order_by("position")
    parties += [(se.PERSON, pk) for pk in persons.values_list("pk", flat=True)]
    if case.company_id:
        owners = BeneficialOwner.objects.filter(company_id=case.company_id, removed_at=None)
        parties += [
            (se.OWNER, pk) for pk in owners.order_by("position").values_list("pk", flat=True)
        ]
    return parties


def case_facts(
    case: Case, *, with_parties: bool = False, with_requirements: bool = False
) -> handlers.CaseFacts:
    """The case as decisions see it; parties and requirement ids only when asked (reads)."""
    requirement_ids = frozenset()
    if with_requirements:
        requirement_ids = frozenset(
            DocumentRequirement.objects.filter(case_id=case.pk).values_list("pk", flat=True)
        )
    return handlers.CaseFacts(
        case_id=case.pk,
        version=case.version,
        status=case.status,
        traitement_type=case.traitement_type,
        case_type=case.case_type,
        pending_decision=case.pending_decision,
        parties=tuple(current_parties(case)) if with_parties else (),
        requirement_ids=requirement_ids,
    )


def _state(case: Case) -> ScreeningState:
    return load_states([case.pk], up_to={case.pk: case.version})[case.pk]


def _actor(name: str) -> tuple[Actor, bool]:
    """The user's roles and whether they may resolve hits."""
    actor = resolve_actor(name)
    user = get_user_model().objects.filter(username=username_of(name), is_active=True).first()
    if actor is None or user is None:
        raise NotAllowed(f"{username_of(name)!r} is not an active user")
    return actor, user.has_perm(RESOLVE_PERMISSION)


def _case_of_hit(hit_id: uuid.UUID) -> uuid.UUID:
    case_id = ScreeningHit.objects.filter(pk=hit_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound(f"screening hit {hit_id} not found")
    return case_id


# --- On demand and hit resolution (API, admin) ------------------------------------------------


def rescreen_case(case_id: uuid.UUID | str, actor: str, request_id: str | None = None) -> Case:
    """Screen every current party again against every list; the worker runs it."""
    fields = {"request_id": request_id} if request_id else {}
    command = RescreenCase(case_id=case_id, actor=actor, **fields)
    who, _ = _actor(actor)
    if not who.is_analyst:
        raise NotAllowed(f"{who.username} is not an analyst; only analysts request screening")
    case, _ = execute(
        Case,
        command.case_id,
        command,
        lambda case: handlers.handle_rescreen_case(
            command, case_facts(case, with_parties=True), who
        ),
    )
    return case


def _run_on_hit(command: Any, decide: Callable[[ScreeningState, Case], list]) -> ScreeningHit:
    case_id = _case_of_hit(command.hit_id)
    execute(Case, case_id, command, lambda case: decide(_state(case), case))
    return ScreeningHit.objects.get(pk=command.hit_id)


def resolve_hit(command: ResolveHit) -> ScreeningHit:
    """FALSE_POSITIVE (resolved, whitelisted) or TRUE_MATCH (proposed for a lead's approval)."""
    actor, may_resolve = _actor(command.actor)
    hit = _run_on_hit(
        command,
        lambda state, case: handlers.handle_resolve_hit(
            command, state, case_facts(case), actor, may_resolve=may_resolve
        ),
    )
    _announce_resolution(hit)
    return hit


def _announce_resolution(hit: ScreeningHit) -> None:
    """A resolved hit changes what the case's risk rating reads (cases.risk re-rates)."""
    if hit.status in (se.FALSE_POSITIVE, se.TRUE_MATCH):
        screening_hit_resolved.send(sender=Case, case_id=hit.case_id, event_id=None)


def approve_hit_match(command: ApproveHitMatch) -> ScreeningHit:
    """A lead other than the proposer confirms the match (a PEP raises the case to EDD)."""
    actor, _ = _actor(command.actor)
    rules = load_document_rules()
    hit = _run_on_hit(
        command,
        lambda state, case: handlers.handle_approve_hit_match(
            command,
            state,
            case_facts(case, with_parties=True, with_requirements=True),
            actor,
            document_rules=rules,
        ),
    )
    _announce_resolution(hit)
    return hit


def return_hit_match(command: ReturnHitMatch) -> ScreeningHit:
    actor, _ = _actor(command.actor)
    return _run_on_hit(
        command,
        lambda state, case: handlers.handle_return_hit_match(
            command, state, case_facts(case), actor
        ),
    )


# --- The worker's unit: one request ------------------------------------------------------------


def _party_of(kind: str, party_id: uuid.UUID) -> Party | None:
    """The party as the screening app takes it, from the read models (None once removed)."""
    key = party_key(kind, party_id)
    if kind == se.COMPANY:
        company = Company.objects.filter(pk=party_id).first()
        if company is None:
            return None
        names = tuple(n for n in (company.registered_name, company.trading_name) if n)
        return Party(
            key=key,
            schema="Company",
            names=names,
            countries=(company.country_of_incorporation,),
            identifiers=(company.registration_number,) if company.registration_number else (),
        )
    if kind == se.OWNER:
        owner = BeneficialOwner.objects.filter(pk=party_id, removed_at=None).first()
        person = owner.person if owner else None
    else:
        person = Person.objects.filter(pk=party_id, removed_at=None).first()
    if person is None:
        return None
    return Party(
        key=key,
        schema="Person",
        names=(f"{person.firstname} {person.lastname}",),
        birth_dates=(person.birthdate.isoformat(),) if person.birthdate else (),
    )


def _stored_run(request_id: uuid.UUID) -> list[StoredEvent]:
    """The events an earlier run of this request stored and committed ([] if none)."""
    causation = handlers.screening_causation(request_id)
    if not StoredEvent.objects.filter(pk=ev.derive_id(causation, "event", 0)).exists():
        return []
    stored = StoredEvent.objects.filter(correlation_id=str(request_id)).order_by("sequence")
    return event_store.visible(e for e in stored if e.metadata.get("causation_id") == causation)


def _project_as_stored(events: list[ev.DomainEvent]) -> list[StoredEvent]:
    """Project the events as the store holds them: an id stored by an earlier, interrupted run
    keeps that run's version, which a decision made now may not share."""
    stored = StoredEvent.objects.filter(pk__in=[e.event_id for e in events])
    found = event_store.visible(stored.order_by("aggregate_id", "version"))
    projections.project(found)
    return found


def _announce_hits(events: list[Any]) -> None:
    for event in events:
        if event.event_type == se.SCREENING_COMPLETED and event.payload.get("opened"):
            screening_hits_raised.send(
                sender=Case,
                case_id=event.aggregate_id,
                event_id=event.event_id,
                hit_ids=list(event.payload["opened"]),
            )


def _screen(request: ScreeningRequest) -> tuple[list[dict[str, Any]], str, int]:
    """(results as dicts, scope, how many of the request's parties are still on the case)."""
    parties = [
        party
        for entry in request.parties
        if (party := _party_of(entry["party_type"], uuid.UUID(entry["party_id"]))) is not None
    ]
    if not parties:
        return [], "full", 0
    if request.delta_dataset:
        only = {
            request.delta_dataset: delta_entity_ids(request.delta_dataset, request.delta_version)
        }
        results, scope = screen(parties, only_entities=only), "delta"
    else:
        results, scope = screen(parties), "full"
    return [dataclasses.asdict(result) for result in results], scope, len(parties)


def _decide(request: ScreeningRequest, case: Case, screened: tuple | None) -> list | None:
    """The request's events on the case as it is now; None while no list is loaded."""
    state = _state(case)
    facts = handlers.CaseFacts(case_id=case.pk, version=case.version, status=case.status)
    now = timezone.now()
    if case.status in ("REJECTED", "CLOSED"):
        reason = f"case {case.status}"
        return handlers.handle_cancel_request(state, facts, request.pk, reason, occurred_at=now)
    results, scope, remaining = screened
    if not remaining:
        reason = "its parties left the case"
        return handlers.handle_cancel_request(state, facts, request.pk, reason, occurred_at=now)
    if not results:
        return None
    return handlers.handle_screening_results(
        state, facts, request.pk, results, scope=scope, occurred_at=now
    )


def process_request(request_id: uuid.UUID) -> str:
    """Screen one pending request and append its ScreeningCompleted events (idempotent: a
    request already run re-projects what it stored and appends nothing). Returns what
    happened: "screened", "cancelled", "waiting" (no list loaded yet), "replayed", "done"."""
    earlier = _stored_run(request_id)
    if earlier:
        projections.project(earlier)
        return "replayed"
    request = ScreeningRequest.objects.filter(pk=request_id).first()
    if request is None or request.status != se.PENDING:
        return "done"
    case = Case.objects.get(pk=request.case_id)
    screened = None if case.status in ("REJECTED", "CLOSED") else _screen(request)
    for attempt in range(MAX_ATTEMPTS):
        events = _decide(request, case, screened)
        if events is None:
            return "waiting"
        if not events:
            return "done"  # finished meanwhile
        try:
            append(events, based_on=case.version)
        except VersionConflict:
            time.sleep(0.05 * (attempt + 1))  # an analyst wrote first: decide again on it
            case = Case.objects.get(pk=request.case_id)
            continue
        _announce_hits(_project_as_stored(events))
        return "cancelled" if events[0].event_type == se.SCREENING_REQUEST_CANCELLED else "screened"
    raise VersionConflict(request.case_id, case.version, case.version)


def pending_requests(limit: int, skip: Collection[uuid.UUID] = ()) -> list[uuid.UUID]:
    """The oldest pending requests (the `screenreq_queue` index), less those in `skip`."""
    queue = ScreeningRequest.objects.filter(status=se.PENDING).order_by("requested_at", "id")
    if skip:
        queue = queue.exclude(pk__in=list(skip))
    return list(queue.values_list("pk", flat=True)[:limit])


# --- Fan-outs: every monitored client, a page of cases at a time --------------------------------


def _system_request(
    case: Case, causation: str, reason: str, delta: dict[str, str] | None
) -> list[ev.DomainEvent]:
    """ScreeningRequested of every current party; its id derives from `causation` (which names
    the case), so a second fan-out for the same cause appends nothing."""
    metadata = ev.Metadata(correlation_id=causation, causation_id=causation, actor="system")
    sequence = ev.EventSequence(metadata, timezone.now(), start_versions={case.pk: case.version})
    handlers.add_screening_request(sequence, case.pk, current_parties(case), reason, delta=delta)
    return sequence.events


Decide = Callable[[Case], list[ev.DomainEvent]]


def _request_for(case: Case, decide: Decide) -> int:
    """Append one case's request, deciding again when the case moved meanwhile."""
    for attempt in range(MAX_ATTEMPTS):
        events = decide(case)
        if not events:
            return 0
        try:
            result = event_store.append(events)
        except ConcurrencyConflict:
            time.sleep(0.05 * (attempt + 1))
            case = Case.objects.get(pk=case.pk)
            continue
        _project_as_stored(events)
        return len(result.new_event_ids)
    logger.warning("screening request not appended: the case kept changing")
    return 0


def _fan_out(decide: Decide, page_size: int) -> int:
    """`decide` for every case of a monitored client, a page at a time on the `case_status`
    index, one append per page; returns how many requests were new."""
    added = 0
    for status in MONITORED_STATUSES:
        cursor: tuple[Any, uuid.UUID] | None = None
        while True:
            page = Case.objects.filter(status=status).order_by("-created_at", "id")
            if cursor is not None:
                at, last = cursor
                page = page.filter(Q(created_at__lt=at) | Q(created_at=at, id__gt=last))
            cases = list(page[:page_size])
            if not cases:
                break
            batch = [event for case in cases for event in decide(case)]
            try:
                result = event_store.append(batch)
                _project_as_stored(batch)
                added += len(result.new_event_ids)
            except ConcurrencyConflict:  # one case moved: nothing of the page was kept
                added += sum(_request_for(case, decide) for case in cases)
            cursor = (cases[-1].created_at, cases[-1].pk)
    return added


def request_list_rescreen(dataset: str, version: str, page_size: int = PAGE_SIZE) -> int:
    """A new list version: every monitored client's parties against that version's delta."""
    delta = {"dataset": dataset, "version": version}
    return _fan_out(
        lambda case: _system_request(
            case, f"watchlist:{dataset}:{version}:{case.pk}", se.LIST_UPDATED, delta
        ),
        page_size,
    )


def request_backfill(page_size: int = PAGE_SIZE) -> int:
    """Every monitored client's parties against every list, once per case ever (for cases
    opened before screening existed: `manage.py run_screening --backfill`)."""
    return _fan_out(
        lambda case: _system_request(case, f"screening-backfill:{case.pk}", se.BACKFILL, None),
        page_size,
    )
