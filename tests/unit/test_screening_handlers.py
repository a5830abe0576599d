"""Screening decisions (cases.screening.handlers) and the fold they decide on. Pure: no database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from cases.core import events as ev
from cases.core.errors import CaseNotActive, InvalidCommand, NotAllowed, NotFound
from cases.documents.rules import DocumentRuleData
from cases.screening import events as se
from cases.screening import handlers
from cases.screening.commands import ApproveHitMatch, RescreenCase, ResolveHit, ReturnHitMatch
from cases.screening.state import fold, party_key
from cases.workflow.authorisation import Actor
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
CASE = uuid.UUID("00000000-0000-0000-0000-00000000ca5e")
PERSON = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
ANNA = Actor("anna", frozenset({ANALYST_GROUP}))
LEO = Actor("leo", frozenset({LEAD_GROUP}))
LIA = Actor("lia", frozenset({LEAD_GROUP}))


def facts(version: int, **extra) -> handlers.CaseFacts:
    base = {"case_id": CASE, "version": version, "status": "IN_REVIEW", "case_type": "STANDARD"}
    return handlers.CaseFacts(**{**base, **extra})


def list_hit(entity_id: str, *, entity_hash: str = "h1", topics=("sanction",), score=0.91):
    return {
        "entity_id": entity_id,
        "dataset": "watch",
        "schema": "Person",
        "caption": f"Entity {entity_id}",
        "names": ("Ivan Petrov",),
        "birth_dates": ("1970-01-01",),
        "countries": ("ru",),
        "topics": tuple(topics),
        "score": score,
        "features": {"name_literal_match": 1.0},
        "entity_hash": entity_hash,
    }


def result(*hits, version: str = "v1") -> dict:
    return {
        "party_key": party_key(se.PERSON, PERSON),
        "dataset": "watch",
        "version": version,
        "algorithm": "logic-v2",
        "algorithm_version": "4.17.4",
        "threshold": 0.7,
        "hits": tuple(hits),
    }


def requested() -> list[ev.DomainEvent]:
    sequence = ev.EventSequence(ev.Metadata("src", "kafka:t:0:1"), NOW)
    sequence.add(ev.CASE_CREATED, ev.CASE, CASE, {"case_id": str(CASE)})
    handlers.add_screening_request(sequence, CASE, [(se.PERSON, PERSON)], se.CASE_CREATED)
    return sequence.events


def screened(history: list, *hits) -> list[ev.DomainEvent]:
    """A pending request of `history` run with `hits` (or a fresh on-demand one)."""
    state = fold(CASE, history)
    pending = [rid for rid, r in state.requests.items() if r["status"] == se.PENDING]
    if not pending:
        command = RescreenCase(case_id=CASE, actor="anna", request_id=f"r{len(history)}")
        history = history + handlers.handle_rescreen_case(
            command, facts(len(history), parties=((se.PERSON, PERSON),)), ANNA
        )
        state = fold(CASE, history)
        pending = [rid for rid, r in state.requests.items() if r["status"] == se.PENDING]
    decided = handlers.handle_screening_results(
        state,
        facts(len(history)),
        uuid.UUID(pending[0]),
        [result(*hits)],
        scope="full",
        occurred_at=NOW,
    )
    return history + decided


def test_a_request_names_its_parties_and_derives_its_id_from_the_command():
    first, second = requested(), requested()
    request = first[-1]
    assert request.event_type == se.SCREENING_REQUESTED and request.version == 2
    assert request.payload["parties"] == [{"party_type": "PERSON", "party_id": str(PERSON)}]
    assert request.payload["request_id"] == second[-1].payload["request_id"]
    assert request.event_id == second[-1].event_id


def test_no_party_no_request():
    sequence = ev.EventSequence(ev.Metadata("src", "kafka:t:0:1"), NOW)
    assert handlers.add_screening_request(sequence, CASE, [], se.CASE_CREATED) is None
    assert sequence.events == []


def test_results_raise_hits_with_ids_from_case_party_dataset_and_entity():
    history = screened(requested(), list_hit("e1"), list_hit("e2", score=0.8))
    [completed] = history[2:]
    assert completed.event_type == se.SCREENING_COMPLETED
    p = completed.payload
    expected = str(handlers.hit_id_for(CASE, PERSON, "watch", "e1"))
    assert p["hits"][0]["hit_id"] == expected
    assert p["opened"] == [expected, str(handlers.hit_id_for(CASE, PERSON, "watch", "e2"))]
    assert (p["dataset"], p["version"], p["algorithm"], p["threshold"]) == (
        "watch",
        "v1",
        "logic-v2",
        0.7,
    )
    assert p["request_done"] is True
    state = fold(CASE, history)
    assert [h["status"] for h in state.hits.values()] == [se.OPEN, se.OPEN]
    assert state.requests[p["request_id"]]["status"] == se.DONE


def test_a_request_already_run_decides_nothing():
    history = screened(requested(), list_hit("e1"))
    state = fold(CASE, history)
    request_id = uuid.UUID(history[1].payload["request_id"])
    assert (
        handlers.handle_screening_results(
            state, facts(3), request_id, [result(list_hit("e1"))], scope="full", occurred_at=NOW
        )
        == []
    )


def test_the_same_run_twice_gives_the_same_events():
    history = requested()
    state = fold(CASE, history)
    request_id = uuid.UUID(history[1].payload["request_id"])
    runs = [
        handlers.handle_screening_results(
            state, facts(2), request_id, [result(list_hit("e1"))], scope="full", occurred_at=NOW
        )
        for _ in range(2)
    ]
    assert [e.event_id for e in runs[0]] == [e.event_id for e in runs[1]]
    assert runs[0][0].metadata.causation_id == handlers.screening_causation(request_id)


def _resolve(history, hit_id, resolution, actor=ANNA, may=True):
    command = ResolveHit(
        hit_id=hit_id, resolution=resolution, rationale="checked", actor=actor.username
    )
    return history + handlers.handle_resolve_hit(
        command, fold(CASE, history), facts(len(history)), actor, may_resolve=may
    )


def test_a_false_positive_is_whitelisted_and_not_raised_again_until_its_hash_changes():
    history = screened(requested(), list_hit("e1"))
    hit_id = history[-1].payload["opened"][0]
    history = _resolve(history, hit_id, "false_positive")
    assert [e.event_type for e in history[-2:]] == [
        se.SCREENING_HIT_RESOLVED,
        se.SCREENING_HIT_WHITELISTED,
    ]
    assert history[-1].payload["entity_hash"] == "h1"

    again = screened(history, list_hit("e1"))
    p = again[-1].payload
    assert p["hits"] == [] and p["opened"] == []
    assert p["suppressed"] == [{"entity_id": "e1", "entity_hash": "h1", "reason": "whitelisted"}]

    changed = screened(history, list_hit("e1", entity_hash="h2"))
    assert changed[-1].payload["opened"] == [hit_id]
    assert fold(CASE, changed).hits[hit_id]["status"] == se.OPEN


def test_a_hit_still_open_is_carried_but_not_opened_twice():
    history = screened(requested(), list_hit("e1"))
    again = screened(history, list_hit("e1", score=0.95))
    assert again[-1].payload["opened"] == []
    hit = fold(CASE, again).hits[history[-1].payload["opened"][0]]
    assert (hit["status"], hit["score"]) == (se.OPEN, 0.95)


def test_resolving_needs_the_permission_a_rationale_and_an_open_hit():
    history = screened(requested(), list_hit("e1"))
    hit_id = history[-1].payload["opened"][0]
    with pytest.raises(NotAllowed, match="resolve_screeninghit"):
        _resolve(history, hit_id, "FALSE_POSITIVE", may=False)
    with pytest.raises(InvalidCommand, match="FALSE_POSITIVE or TRUE_MATCH"):
        _resolve(history, hit_id, "MAYBE")
    with pytest.raises(NotFound):
        _resolve(history, uuid.uuid4(), "FALSE_POSITIVE")
    done = _resolve(history, hit_id, "FALSE_POSITIVE")
    with pytest.raises(InvalidCommand, match="FALSE_POSITIVE"):
        _resolve(done, hit_id, "TRUE_MATCH")


def _proposed(topics=("sanction",)):
    history = screened(requested(), list_hit("e1", topics=topics))
    hit_id = history[-1].payload["opened"][0]
    history = _resolve(history, hit_id, "TRUE_MATCH", actor=LEO)
    assert history[-1].event_type == se.SCREENING_HIT_MATCH_PROPOSED
    assert history[-1].payload["approval_group"] == LEAD_GROUP
    return history, hit_id


def test_a_true_match_needs_a_second_lead_not_the_proposer():
    history, hit_id = _proposed()
    state = fold(CASE, history)
    assert state.hits[hit_id]["status"] == se.MATCH_PROPOSED
    command = ApproveHitMatch(hit_id=hit_id, actor="leo")
    with pytest.raises(NotAllowed, match="four eyes"):
        handlers.handle_approve_hit_match(command, state, facts(len(history)), LEO)
    with pytest.raises(NotAllowed, match="Compliance lead"):
        handlers.handle_approve_hit_match(command, state, facts(len(history)), ANNA)
    events = handlers.handle_approve_hit_match(command, state, facts(len(history)), LIA)
    assert [e.event_type for e in events] == [
        se.SCREENING_HIT_MATCH_APPROVED,
        se.SCREENING_HIT_RESOLVED,
    ]
    assert events[1].payload["resolution"] == se.TRUE_MATCH and events[1].payload["by"] == "lia"
    assert fold(CASE, history + events).hits[hit_id]["status"] == se.TRUE_MATCH


def test_a_returned_match_is_open_again():
    history, hit_id = _proposed()
    command = ReturnHitMatch(hit_id=hit_id, reason="", actor="lia")
    with pytest.raises(InvalidCommand, match="reason"):
        handlers.handle_return_hit_match(command, fold(CASE, history), facts(len(history)), LIA)
    command = ReturnHitMatch(hit_id=hit_id, reason="other birth date", actor="lia")
    events = handlers.handle_return_hit_match(
        command, fold(CASE, history), facts(len(history)), LIA
    )
    assert fold(CASE, history + events).hits[hit_id]["status"] == se.OPEN


def test_a_confirmed_pep_raises_the_case_to_edd_and_returns_a_pending_decision():
    history, hit_id = _proposed(topics=("role.pep",))
    rules = [DocumentRuleData("KYC", "PERSON", se.EDD_CASE_TYPE, "SOURCE_OF_WEALTH")]
    pending = {"decision": "APPROVED", "proposed_by": "anna"}
    case = facts(
        len(history),
        status="PENDING_APPROVAL",
        traitement_type="KYC",
        pending_decision=pending,
        parties=((se.PERSON, PERSON),),
    )
    events = handlers.handle_approve_hit_match(
        ApproveHitMatch(hit_id=hit_id, actor="lia"),
        fold(CASE, history),
        case,
        LIA,
        document_rules=rules,
    )
    assert [e.event_type for e in events] == [
        se.SCREENING_HIT_MATCH_APPROVED,
        se.SCREENING_HIT_RESOLVED,
        ev.DECISION_RETURNED,
        se.CASE_RAISED_TO_EDD,
        ev.DOCUMENT_REQUIREMENT_DETERMINED,
    ]
    assert events[3].payload["new_case_type"] == se.EDD_CASE_TYPE
    assert events[4].payload["document_type"] == "SOURCE_OF_WEALTH"
    assert [e.version for e in events[:4]] == list(range(len(history) + 1, len(history) + 5))


def test_on_demand_screening_needs_parties_and_a_live_or_approved_case():
    command = RescreenCase(case_id=CASE, actor="anna")
    with pytest.raises(CaseNotActive, match="CLOSED"):  # a 409 on the API
        handlers.handle_rescreen_case(
            command, facts(3, status="CLOSED", parties=((se.PERSON, PERSON),)), ANNA
        )
    with pytest.raises(InvalidCommand, match="no party"):
        handlers.handle_rescreen_case(command, facts(3), ANNA)
    [event] = handlers.handle_rescreen_case(
        command, facts(3, status="APPROVED", parties=((se.PERSON, PERSON),)), ANNA
    )
    assert (event.version, event.payload["reason"], event.payload["requested_by"]) == (
        4,
        se.ON_DEMAND,
        "anna",
    )


def test_a_cancelled_request_is_no_longer_pending():
    history = requested()
    request_id = uuid.UUID(history[1].payload["request_id"])
    [cancel] = handlers.handle_cancel_request(
        fold(CASE, history), facts(2), request_id, "case CLOSED", occurred_at=NOW
    )
    state = fold(CASE, [*history, cancel])
    assert not state.is_pending(request_id)
    assert state.requests[str(request_id)]["status"] == se.CANCELLED
    assert (
        handlers.handle_cancel_request(state, facts(3), request_id, "again", occurred_at=NOW) == []
    )
