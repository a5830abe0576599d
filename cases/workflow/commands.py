"""Workflow commands (SPEC §3a). `actor` names the user who asks (`alice` or `USER:alice`);
the service resolves their groups, so a caller can never claim a role it does not have."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cases.core.requests import RequestFields, as_uuid

__all__ = ["ApproveDecision", "AssignCase", "ClaimNextCase", "ProposeDecision", "ReturnDecision"]


@dataclass(frozen=True)
class AssignCase(RequestFields):
    """Give a case to `assignee` (a username, or `USER:<name>`), or to nobody (None)."""

    case_id: uuid.UUID
    assignee: str | None
    actor: str
    expected_version: int | None = None

    def __post_init__(self) -> None:
        as_uuid(self, "case_id")


@dataclass(frozen=True)
class ClaimNextCase(RequestFields):
    """Take the oldest unassigned OPEN/IN_REVIEW case matching the optional filters."""

    actor: str
    traitement_type: str | None = None
    case_type: str | None = None


@dataclass(frozen=True)
class ProposeDecision(RequestFields):
    """The assignee proposes APPROVED or REJECTED; a second person must approve it."""

    case_id: uuid.UUID
    decision: str
    rationale: str
    actor: str
    expected_version: int | None = None

    def __post_init__(self) -> None:
        as_uuid(self, "case_id")


@dataclass(frozen=True)
class ApproveDecision(RequestFields):
    """A member of the approving group, not the proposer, confirms the pending proposal."""

    case_id: uuid.UUID
    actor: str
    comment: str = ""
    expected_version: int | None = None

    def __post_init__(self) -> None:
        as_uuid(self, "case_id")


@dataclass(frozen=True)
class ReturnDecision(RequestFields):
    """Send the pending proposal back to IN_REVIEW, saying why."""

    case_id: uuid.UUID
    reason: str
    actor: str
    expected_version: int | None = None

    def __post_init__(self) -> None:
        as_uuid(self, "case_id")


# --- Direct status changes and notes (SPEC §3) ------------------------------------------------


@dataclass(frozen=True)
class ChangeCaseStatus(RequestFields):
    """Move a case along its lifecycle (cases.core.lifecycle.CASE_TRANSITIONS)."""

    case_id: uuid.UUID
    new_status: str
    actor: str
    reason: str = ""
    expected_version: int | None = None

    def __post_init__(self) -> None:
        as_uuid(self, "case_id")


@dataclass(frozen=True)
class AddCaseNote(RequestFields):
    """Append an analyst's note to a case; notes are never edited or removed."""

    case_id: uuid.UUID
    text: str
    actor: str
    expected_version: int | None = None

    def __post_init__(self) -> None:
        as_uuid(self, "case_id")
