"""ChangeCaseStatus and the four-eyes statuses (SPEC §3a): direct changes stop short of a
decision and say which decision command to use instead."""

from __future__ import annotations

import itertools

import pytest

from cases.core.errors import DecisionRequired, IllegalTransition
from cases.core.lifecycle import check_direct_status_change, direct_case_moves
from cases.models import CaseStatus

DIRECT_MOVES = {
    ("OPEN", "IN_REVIEW"),
    ("OPEN", "CLOSED"),
    ("IN_REVIEW", "CLOSED"),
    ("PENDING_APPROVAL", "CLOSED"),
}
DECISION_ONLY = {"APPROVED", "REJECTED", "PENDING_APPROVAL"}
PAIRS = list(itertools.product(CaseStatus.values, repeat=2))


@pytest.mark.parametrize(("current", "requested"), PAIRS, ids="{0[0]}->{0[1]}".format)
def test_a_direct_status_change_allows_only_review_and_closing(current, requested):
    if (current, requested) in DIRECT_MOVES:
        assert check_direct_status_change(current, requested) == requested
        return
    with pytest.raises(IllegalTransition) as caught:
        check_direct_status_change(current, requested)
    assert caught.value.allowed == sorted(t for s, t in DIRECT_MOVES if s == current)


@pytest.mark.parametrize("current", ["OPEN", "IN_REVIEW", "PENDING_APPROVAL"])
@pytest.mark.parametrize("requested", ["APPROVED", "rejected"])
def test_changing_status_to_a_decision_points_to_the_decision_commands(current, requested):
    with pytest.raises(DecisionRequired) as caught:
        check_direct_status_change(current, requested)
    message = str(caught.value)
    assert "ProposeDecision" in message and "ApproveDecision" in message
    assert caught.value.requested == requested.upper()


def test_pending_approval_and_its_return_are_only_reached_by_decision_commands():
    with pytest.raises(DecisionRequired, match="ProposeDecision"):
        check_direct_status_change("IN_REVIEW", "PENDING_APPROVAL")
    with pytest.raises(DecisionRequired, match="ReturnDecision"):
        check_direct_status_change("PENDING_APPROVAL", "IN_REVIEW")


def test_final_statuses_allow_no_direct_move():
    for status in ("APPROVED", "REJECTED", "CLOSED"):
        assert direct_case_moves(status) == []
    assert DECISION_ONLY.isdisjoint({t for _, t in DIRECT_MOVES})
