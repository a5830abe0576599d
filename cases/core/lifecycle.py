"""Status lifecycles of cases and document requirements (SPEC §3 and §5), as plain data.

Pure on purpose: the command handlers, the admin forms and the API all ask the same tables, and
unit tests can check every pair without a database. Statuses are plain strings (the values of
`CaseStatus` and `DocumentStatus`) so this module needs no Django.
"""

from __future__ import annotations

from collections.abc import Mapping

from cases.core.errors import DecisionRequired, IllegalTransition

# Every move a case can make (SPEC §3a), whichever command makes it.
CASE_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "OPEN": frozenset({"IN_REVIEW", "CLOSED"}),
    "IN_REVIEW": frozenset({"PENDING_APPROVAL", "CLOSED"}),
    "PENDING_APPROVAL": frozenset({"APPROVED", "REJECTED", "IN_REVIEW", "CLOSED"}),
    "APPROVED": frozenset(),
    "REJECTED": frozenset(),
    "CLOSED": frozenset(),
}

# The moves only the four-eyes decision makes, and the command that makes each.
PROPOSE = "ProposeDecision"
APPROVE = "ProposeDecision, then ApproveDecision by a second person"
RETURN = "ReturnDecision"
DECISION_MOVES: Mapping[tuple[str, str], str] = {
    ("IN_REVIEW", "PENDING_APPROVAL"): PROPOSE,
    ("PENDING_APPROVAL", "APPROVED"): APPROVE,
    ("PENDING_APPROVAL", "REJECTED"): APPROVE,
    ("PENDING_APPROVAL", "IN_REVIEW"): RETURN,
}
DECIDED_STATUSES = frozenset({"APPROVED", "REJECTED"})
# Open statuses: the case still has an owner, a clock and (SPEC §3b) at most one per client.
ACTIVE_CASE_STATUSES = ("OPEN", "IN_REVIEW", "PENDING_APPROVAL")
CLAIMABLE_CASE_STATUSES = ("OPEN", "IN_REVIEW")

DOCUMENT_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "AWAITING_UPLOAD": frozenset({"UPLOADED", "NOT_APPLICABLE"}),
    "UPLOADED": frozenset({"VERIFIED_SYSTEM", "VERIFIED_MANUAL", "REJECTED"}),
    "REJECTED": frozenset({"AWAITING_UPLOAD", "UPLOADED"}),
    "VERIFIED_SYSTEM": frozenset(),
    "VERIFIED_MANUAL": frozenset(),
    "NOT_APPLICABLE": frozenset(),
}


def normalise_status(status: str) -> str:
    """Callers (API, admin) may send `in_review`; the tables and read models use upper case."""
    return status.strip().upper()


def allowed_moves(table: Mapping[str, frozenset[str]], current: str) -> list[str]:
    """Sorted so error messages and API answers are stable; unknown states allow nothing."""
    return sorted(table.get(current, frozenset()))


def _check(table: Mapping[str, frozenset[str]], kind: str, current: str, requested: str) -> str:
    requested = normalise_status(requested)
    allowed = allowed_moves(table, current)
    if requested not in allowed:
        raise IllegalTransition(kind, current, requested, allowed)
    return requested


def check_case_transition(current: str, requested: str) -> str:
    """The normalised new case status, or IllegalTransition listing the allowed ones."""
    return _check(CASE_TRANSITIONS, "case", current, requested)


def direct_case_moves(current: str) -> list[str]:
    """What ChangeCaseStatus may do from `current`: every move but the decision ones."""
    return [
        s for s in allowed_moves(CASE_TRANSITIONS, current) if (current, s) not in DECISION_MOVES
    ]


def check_direct_status_change(current: str, requested: str) -> str:
    """Like check_case_transition, for ChangeCaseStatus: APPROVED, REJECTED, PENDING_APPROVAL
    and a return to IN_REVIEW are refused with DecisionRequired naming the decision command."""
    requested = normalise_status(requested)
    allowed = direct_case_moves(current)
    if requested in allowed:
        return requested
    command = DECISION_MOVES.get((current, requested))
    if command is None and requested in DECIDED_STATUSES:
        command = APPROVE
    if command is None and requested == "PENDING_APPROVAL":
        command = PROPOSE
    if command is not None:
        raise DecisionRequired(current, requested, allowed, command)
    raise IllegalTransition("case", current, requested, allowed)


def check_document_transition(current: str, requested: str) -> str:
    """The normalised new document status, or IllegalTransition listing the allowed ones."""
    return _check(DOCUMENT_TRANSITIONS, "document", current, requested)


def is_final_case_status(status: str) -> bool:
    return not CASE_TRANSITIONS.get(status)


def is_final_document_status(status: str) -> bool:
    return not DOCUMENT_TRANSITIONS.get(status)
