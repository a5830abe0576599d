"""The case and document status lifecycles (SPEC §3 and §5), checked pair by pair."""

from __future__ import annotations

import itertools

import pytest

from cases.core.lifecycle import (
    CASE_TRANSITIONS,
    DOCUMENT_TRANSITIONS,
    IllegalTransition,
    check_case_transition,
    check_document_transition,
    is_final_case_status,
    is_final_document_status,
)
from cases.models import CaseStatus, DocumentStatus

# The allowed moves exactly as SPEC §3a and §5 state them; everything else is illegal.
SPEC_CASE_MOVES = {
    ("OPEN", "IN_REVIEW"),
    ("IN_REVIEW", "PENDING_APPROVAL"),
    ("PENDING_APPROVAL", "APPROVED"),
    ("PENDING_APPROVAL", "REJECTED"),
    ("PENDING_APPROVAL", "IN_REVIEW"),
    ("OPEN", "CLOSED"),
    ("IN_REVIEW", "CLOSED"),
    ("PENDING_APPROVAL", "CLOSED"),
}
SPEC_DOCUMENT_MOVES = {
    ("AWAITING_UPLOAD", "UPLOADED"),
    ("AWAITING_UPLOAD", "NOT_APPLICABLE"),
    ("UPLOADED", "VERIFIED_SYSTEM"),
    ("UPLOADED", "VERIFIED_MANUAL"),
    ("UPLOADED", "REJECTED"),
    ("REJECTED", "AWAITING_UPLOAD"),
    ("REJECTED", "UPLOADED"),
}
CASE_PAIRS = list(itertools.product(CaseStatus.values, repeat=2))
DOCUMENT_PAIRS = list(itertools.product(DocumentStatus.values, repeat=2))


def test_tables_cover_exactly_the_model_statuses():
    assert set(CASE_TRANSITIONS) == set(CaseStatus.values)
    assert set(DOCUMENT_TRANSITIONS) == set(DocumentStatus.values)
    assert all(targets <= set(CaseStatus.values) for targets in CASE_TRANSITIONS.values())
    assert all(targets <= set(DocumentStatus.values) for targets in DOCUMENT_TRANSITIONS.values())


@pytest.mark.parametrize(("current", "requested"), CASE_PAIRS, ids="{0[0]}->{0[1]}".format)
def test_case_transition(current, requested):
    if (current, requested) in SPEC_CASE_MOVES:
        assert check_case_transition(current, requested) == requested
        return
    with pytest.raises(IllegalTransition) as caught:
        check_case_transition(current, requested)
    expected_allowed = sorted(target for source, target in SPEC_CASE_MOVES if source == current)
    assert (caught.value.current, caught.value.requested) == (current, requested)
    assert caught.value.allowed == expected_allowed
    assert caught.value.kind == "case"


@pytest.mark.parametrize(("current", "requested"), DOCUMENT_PAIRS, ids="{0[0]}->{0[1]}".format)
def test_document_transition(current, requested):
    if (current, requested) in SPEC_DOCUMENT_MOVES:
        assert check_document_transition(current, requested) == requested
        return
    with pytest.raises(IllegalTransition) as caught:
        check_document_transition(current, requested)
    expected_allowed = sorted(target for source, target in SPEC_DOCUMENT_MOVES if source == current)
    assert caught.value.allowed == expected_allowed
    assert caught.value.kind == "document"


def test_the_message_lists_the_allowed_moves():
    with pytest.raises(IllegalTransition) as caught:
        check_case_transition("OPEN", "APPROVED")
    assert str(caught.value) == (
        "illegal case status transition OPEN → APPROVED; allowed from OPEN: CLOSED, IN_REVIEW"
    )


def test_the_message_of_a_final_state_says_it_is_final():
    with pytest.raises(IllegalTransition) as caught:
        check_document_transition("VERIFIED_MANUAL", "UPLOADED")
    assert caught.value.allowed == []
    assert "none (VERIFIED_MANUAL is final)" in str(caught.value)


def test_requested_status_is_normalised_and_unknown_ones_are_refused():
    assert check_case_transition("OPEN", " in_review ") == "IN_REVIEW"
    assert check_document_transition("UPLOADED", "verified_system") == "VERIFIED_SYSTEM"
    with pytest.raises(IllegalTransition) as caught:
        check_document_transition("AWAITING_UPLOAD", "SHREDDED")
    assert caught.value.allowed == ["NOT_APPLICABLE", "UPLOADED"]


def test_an_unknown_current_status_allows_nothing():
    with pytest.raises(IllegalTransition) as caught:
        check_case_transition("ARCHIVED", "OPEN")
    assert caught.value.allowed == []


@pytest.mark.parametrize(
    ("status", "final"),
    [
        ("OPEN", False),
        ("IN_REVIEW", False),
        ("PENDING_APPROVAL", False),
        ("APPROVED", True),
        ("REJECTED", True),
    ]
    + [("CLOSED", True)],
)
def test_final_case_statuses(status, final):
    assert is_final_case_status(status) is final


@pytest.mark.parametrize(
    ("status", "final"),
    [
        ("AWAITING_UPLOAD", False),
        ("UPLOADED", False),
        ("REJECTED", False),
        ("VERIFIED_SYSTEM", True),
        ("VERIFIED_MANUAL", True),
        ("NOT_APPLICABLE", True),
    ],
)
def test_final_document_statuses(status, final):
    assert is_final_document_status(status) is final
