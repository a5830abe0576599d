"""Screening decisions (SPEC §3c): plain data in, events out. Pure.

Ids derive from what caused them: a request's id from its command's causation and the case,
a hit's from (case, party, dataset, list entity), so the same entity found again for the same
party is the same hit, and a re-run of a request lands on the events it stored before.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cases.core import events as ev
from cases.core import lifecycle
from cases.core.errors import (
    CaseNotActive,
    HitStateConflict,
    InvalidCommand,
    NotAllowed,
    NotFound,
)
from cases.core.requests import iso_ms, request_sequence
from cases.documents.handlers import add_requirement_events
from cases.documents.rules import DocumentRuleData
from cases.screening import events as se
from cases.screening.commands import ApproveHitMatch, RescreenCase, ResolveHit, ReturnHitMatch
from cases.screening.state import ScreeningState, split_party_key
from cases.workflow.authorisation import Actor, check_may_approve
from cases.workflow.rules import LEAD_GROUP

__all__ = [
    "CaseFacts",
    "add_edd_raise",
    "add_screening_request",
    "handle_approve_hit_match",
    "handle_cancel_request",
    "handle_rescreen_case",
    "handle_resolve_hit",
    "handle_return_hit_match",
    "handle_screening_results",
    "hit_id_for",
    "request_id_for",
    "screening_causation",
]

RESOLUTIONS = (se.FALSE_POSITIVE, se.TRUE_MATCH)
# A hit in one of these states is not raised again: it is being, or has been, dealt with.
_KEPT = frozenset({se.OPEN, se.MATCH_PROPOSED, se.TRUE_MATCH})


@dataclass(frozen=True)
class CaseFacts:
    """What screening decisions need of the case (from its read model)."""

    case_id: uuid.UUID
    version: int
    status: str
    traitement_type: str = ""
    case_type: str = ""
    pending_decision: dict[str, Any] | None = None
    # (party_type, party_id) of the current parties; requirement ids the case already has
    parties: tuple[tuple[str, uuid.UUID], ...] = ()
    requirement_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)


def request_id_for(causation_id: str, case_id: uuid.UUID) -> uuid.UUID:
    return ev.derive_id(causation_id, "screening-request", case_id)


def hit_id_for(case_id: uuid.UUID | str, party_id: uuid.UUID | str, dataset: str, entity: str):
    return ev.derive_id("screening-hit", case_id, party_id, dataset, entity)


def screening_causation(request_id: uuid.UUID | str) -> str:
    """The causation of the worker's events for one request (their ids derive from it)."""
    return f"screening:{request_id}"


def add_screening_request(
    sequence: ev.EventSequence,
    case_id: uuid.UUID,
    parties: Sequence[tuple[str, uuid.UUID]],
    reason: str,
    *,
    requested_by: str = "system",
    delta: dict[str, str] | None = None,
) -> ev.DomainEvent | None:
    """ScreeningRequested for `parties` within another command (creation, client update)."""
    if not parties:
        return None
    request_id = request_id_for(sequence.metadata.causation_id, case_id)
    payload = {
        "case_id": str(case_id),
        "request_id": str(request_id),
        "reason": reason,
        "parties": [{"party_type": kind, "party_id": str(pid)} for kind, pid in parties],
        "delta": delta,
        "requested_by": requested_by,
    }
    return sequence.add(se.SCREENING_REQUESTED, ev.CASE, case_id, payload)


def handle_rescreen_case(
    command: RescreenCase, case: CaseFacts, actor: Actor
) -> list[ev.DomainEvent]:
    """ScreeningRequested for every current party, on demand."""
    if lifecycle.is_final_case_status(case.status) and case.status != "APPROVED":
        raise CaseNotActive(f"case {case.case_id} is {case.status}: nothing to screen")
    if not case.parties:
        raise InvalidCommand(f"case {case.case_id} has no party to screen")
    sequence = request_sequence(command, actor.event_actor, {case.case_id: case.version})
    add_screening_request(
        sequence, case.case_id, case.parties, se.ON_DEMAND, requested_by=actor.username
    )
    return sequence.events


def _system_sequence(
    request_id: uuid.UUID, case: CaseFacts, occurred_at: datetime
) -> ev.EventSequence:
    metadata = ev.Metadata(
        correlation_id=str(request_id),
        causation_id=screening_causation(request_id),
        actor="system",
    )
    return ev.EventSequence(metadata, occurred_at, start_versions={case.case_id: case.version})


def handle_screening_results(
    state: ScreeningState,
    case: CaseFacts,
    request_id: uuid.UUID,
    results: Sequence[dict[str, Any]],
    *,
    scope: str,
    occurred_at: datetime,
) -> list[ev.DomainEvent]:
    """One ScreeningCompleted per (party, list) result, the last closing the request.

    `results` are the screening app's PartyScreening as dicts (dataclasses.asdict). A hit whose
    (party, entity, entity hash) was cleared as a false positive is suppressed; one that is
    open, proposed or confirmed already is carried (fresh score) but not opened again.
    """
    if not state.is_pending(request_id) or not results:
        return []
    sequence = _system_sequence(request_id, case, occurred_at)
    for index, result in enumerate(results):
        party_type, party_id = split_party_key(result["party_key"])
        hits, suppressed, opened = [], [], []
        for hit in sorted(result["hits"], key=lambda h: (-h["score"], h["entity_id"])):
            dataset = hit.get("dataset") or result["dataset"]
            if state.whitelisted(str(party_id), dataset, hit["entity_id"], hit["entity_hash"]):
                suppressed.append(
                    {
                        "entity_id": hit["entity_id"],
                        "entity_hash": hit["entity_hash"],
                        "reason": "whitelisted",
                    }
                )
                continue
            hit_id = str(hit_id_for(case.case_id, party_id, dataset, hit["entity_id"]))
            hits.append({"hit_id": hit_id, **_plain_hit(hit)})
            current = state.hits.get(hit_id)
            if current is None or current["status"] not in _KEPT:
                opened.append(hit_id)
        sequence.add(
            se.SCREENING_COMPLETED,
            ev.CASE,
            case.case_id,
            {
                "case_id": str(case.case_id),
                "request_id": str(request_id),
                "party_type": party_type,
                "party_id": str(party_id),
                "dataset": result["dataset"],
                "version": result["version"],
                "algorithm": result["algorithm"],
                "algorithm_version": result["algorithm_version"],
                "threshold": result["threshold"],
                "scope": scope,
                "hits": hits,
                "suppressed": suppressed,
                "opened": opened,
                "request_done": index == len(results) - 1,
            },
        )
    return sequence.events


def _plain_hit(hit: dict[str, Any]) -> dict[str, Any]:
    """The hit as stored in the event: lists, not tuples, so stored and fresh events agree."""
    return {
        "entity_id": hit["entity_id"],
        "entity_hash": hit["entity_hash"],
        "schema": hit["schema"],
        "caption": hit["caption"],
        "names": list(hit["names"]),
        "birth_dates": list(hit["birth_dates"]),
        "countries": list(hit["countries"]),
        "topics": list(hit["topics"]),
        "score": float(hit["score"]),
        "features": {key: float(value) for key, value in dict(hit["features"]).items()},
    }


def handle_cancel_request(
    state: ScreeningState,
    case: CaseFacts,
    request_id: uuid.UUID,
    reason: str,
    *,
    occurred_at: datetime,
) -> list[ev.DomainEvent]:
    """ScreeningRequestCancelled: nothing of the request is left to screen."""
    if not state.is_pending(request_id):
        return []
    sequence = _system_sequence(request_id, case, occurred_at)
    sequence.add(
        se.SCREENING_REQUEST_CANCELLED,
        ev.CASE,
        case.case_id,
        {"case_id": str(case.case_id), "request_id": str(request_id), "reason": reason},
    )
    return sequence.events


def _hit_of(state: ScreeningState, hit_id: uuid.UUID) -> dict[str, Any]:
    hit = state.hits.get(str(hit_id))
    if hit is None:
        raise NotFound(f"screening hit {hit_id} not found")
    return hit


def _expect(hit: dict[str, Any], status: str, doing: str) -> None:
    if hit["status"] != status:
        raise HitStateConflict(
            f"hit {hit['id']} is {hit['status']}: only an {status} hit can be {doing}"
        )


def handle_resolve_hit(
    command: ResolveHit,
    state: ScreeningState,
    case: CaseFacts,
    actor: Actor,
    *,
    may_resolve: bool,
) -> list[ev.DomainEvent]:
    """FALSE_POSITIVE → ScreeningHitResolved + ScreeningHitWhitelisted; TRUE_MATCH →
    ScreeningHitMatchProposed (four eyes, like decisions)."""
    if not may_resolve:
        raise NotAllowed(f"{actor.username} lacks the permission cases.resolve_screeninghit")
    resolution = command.resolution.strip().upper()
    if resolution not in RESOLUTIONS:
        raise InvalidCommand(
            f"resolution must be FALSE_POSITIVE or TRUE_MATCH, not {command.resolution!r}"
        )
    rationale = command.rationale.strip()
    if not rationale:
        raise InvalidCommand("resolving a hit needs a rationale")
    hit = _hit_of(state, command.hit_id)
    _expect(hit, se.OPEN, "resolved")
    sequence = request_sequence(command, actor.event_actor, {case.case_id: case.version})
    base = {"case_id": str(case.case_id), "hit_id": hit["id"]}
    at = iso_ms(command.occurred_at)
    if resolution == se.FALSE_POSITIVE:
        sequence.add(
            se.SCREENING_HIT_RESOLVED,
            ev.CASE,
            case.case_id,
            {
                **base,
                "resolution": resolution,
                "rationale": rationale,
                "by": actor.username,
                "at": at,
                "topics": list(hit["topics"]),
            },
        )
        sequence.add(
            se.SCREENING_HIT_WHITELISTED,
            ev.CASE,
            case.case_id,
            {
                **base,
                "party_type": hit["party_type"],
                "party_id": hit["party_id"],
                "dataset": hit["dataset"],
                "entity_id": hit["entity_id"],
                "entity_hash": hit["entity_hash"],
                "by": actor.username,
            },
        )
    else:
        sequence.add(
            se.SCREENING_HIT_MATCH_PROPOSED,
            ev.CASE,
            case.case_id,
            {
                **base,
                "rationale": rationale,
                "proposed_by": actor.username,
                "proposed_at": at,
                "approval_group": LEAD_GROUP,
            },
        )
    return sequence.events


def _proposal(state: ScreeningState, hit_id: uuid.UUID, actor: Actor) -> dict[str, Any]:
    hit = _hit_of(state, hit_id)
    _expect(hit, se.MATCH_PROPOSED, "approved or returned")
    proposal = hit["resolution"] or {}
    check_may_approve(
        actor, proposed_by=proposal["proposed_by"], approval_group=proposal["approval_group"]
    )
    return hit


def handle_approve_hit_match(
    command: ApproveHitMatch,
    state: ScreeningState,
    case: CaseFacts,
    actor: Actor,
    *,
    document_rules: Sequence[DocumentRuleData] = (),
) -> list[ev.DomainEvent]:
    """ScreeningHitMatchApproved + ScreeningHitResolved(TRUE_MATCH); a pending decision goes
    back to review (it was taken without the match); a PEP raises the case to EDD with the
    documents EDD owes (the client-update path's re-determination)."""
    hit = _proposal(state, command.hit_id, actor)
    proposal = hit["resolution"]
    sequence = request_sequence(command, actor.event_actor, {case.case_id: case.version})
    base = {"case_id": str(case.case_id), "hit_id": hit["id"]}
    sequence.add(
        se.SCREENING_HIT_MATCH_APPROVED,
        ev.CASE,
        case.case_id,
        {
            **base,
            "proposed_by": proposal["proposed_by"],
            "approved_by": actor.username,
            "comment": command.comment.strip(),
        },
    )
    sequence.add(
        se.SCREENING_HIT_RESOLVED,
        ev.CASE,
        case.case_id,
        {
            **base,
            "resolution": se.TRUE_MATCH,
            "rationale": proposal["rationale"],
            "by": actor.username,
            "at": iso_ms(command.occurred_at),
            "topics": list(hit["topics"]),
        },
    )
    pending = case.pending_decision
    if case.status == "PENDING_APPROVAL" and pending:
        sequence.add(
            ev.DECISION_RETURNED,
            ev.CASE,
            case.case_id,
            {
                "case_id": str(case.case_id),
                "decision": pending.get("decision"),
                "proposed_by": pending.get("proposed_by"),
                "returned_by": "system",
                "reason": se.CONFIRMED_MATCH_RETURN_REASON,
            },
        )
    if (
        se.PEP_TOPIC in hit["topics"]
        and case.case_type != se.EDD_CASE_TYPE
        and not lifecycle.is_final_case_status(case.status)
    ):
        add_edd_raise(
            sequence,
            case,
            document_rules,
            reason=f"confirmed PEP match: {hit['caption']} ({hit['dataset']})",
            hit_id=hit["id"],
        )
    return sequence.events


def add_edd_raise(
    sequence: ev.EventSequence,
    case: CaseFacts,
    rules: Sequence[DocumentRuleData],
    *,
    reason: str,
    hit_id: str | None = None,
) -> None:
    """CaseRaisedToEnhancedDueDiligence and the requirements EDD owes that the case lacks.

    Shared by a confirmed PEP (here) and a HIGH risk rating (cases.risk): the case type moves to
    ENHANCED_DUE_DILIGENCE, whose ApprovalRule names the lead group as approvers.
    """
    sequence.add(
        se.CASE_RAISED_TO_EDD,
        ev.CASE,
        case.case_id,
        {
            "case_id": str(case.case_id),
            "old_case_type": case.case_type,
            "new_case_type": se.EDD_CASE_TYPE,
            "hit_id": hit_id,
            "reason": reason,
        },
    )
    for party_type, party_id in case.parties:
        add_requirement_events(
            sequence,
            list(rules),
            case_id=case.case_id,
            entity_type="COMPANY" if party_type == se.COMPANY else "PERSON",
            entity_id=party_id,
            traitement_type=case.traitement_type,
            case_type=se.EDD_CASE_TYPE,
            existing=case.requirement_ids,
        )


def handle_return_hit_match(
    command: ReturnHitMatch, state: ScreeningState, case: CaseFacts, actor: Actor
) -> list[ev.DomainEvent]:
    """ScreeningHitMatchReturned: the hit is open again, with the reason."""
    reason = command.reason.strip()
    if not reason:
        raise InvalidCommand("returning a proposed match needs a reason")
    hit = _proposal(state, command.hit_id, actor)
    sequence = request_sequence(command, actor.event_actor, {case.case_id: case.version})
    sequence.add(
        se.SCREENING_HIT_MATCH_RETURNED,
        ev.CASE,
        case.case_id,
        {
            "case_id": str(case.case_id),
            "hit_id": hit["id"],
            "proposed_by": hit["resolution"]["proposed_by"],
            "returned_by": actor.username,
            "reason": reason,
        },
    )
    return sequence.events
