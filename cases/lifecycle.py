"""Status lifecycles of cases and document requirements (SPEC §3 and §5), as plain data.

Pure on purpose: the command handlers, the admin forms and the API all ask the same tables, and
unit tests can check every pair without a database. Statuses are plain strings (the values of
`CaseStatus` and `DocumentStatus`) so this module needs no Django.
"""

from __future__ import annotations

from collections.abc import Mapping

from cases.errors import IllegalTransition

CASE_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "OPEN": frozenset({"IN_REVIEW", "CLOSED"}),
    "IN_REVIEW": frozenset({"APPROVED", "REJECTED", "CLOSED"}),
    "APPROVED": frozenset(),
    "REJECTED": frozenset(),
    "CLOSED": frozenset(),
}

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


def check_document_transition(current: str, requested: str) -> str:
    """The normalised new document status, or IllegalTransition listing the allowed ones."""
    return _check(DOCUMENT_TRANSITIONS, "document", current, requested)


def is_final_case_status(status: str) -> bool:
    return not CASE_TRANSITIONS.get(status)


def is_final_document_status(status: str) -> bool:
    return not DOCUMENT_TRANSITIONS.get(status)


# A client has at most one case in these statuses (SPEC §3b); PENDING_APPROVAL belongs to the
# four-eyes workflow (§3a) and is listed here so routing is right once that status exists.
OPEN_CASE_STATUSES: frozenset[str] = frozenset({"OPEN", "IN_REVIEW", "PENDING_APPROVAL"})
