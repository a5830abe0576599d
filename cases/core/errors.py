"""Domain errors, in one place, each named for what went wrong.

The domain raises them; only the edges translate them (the API maps each to the HTTP status its
docstring names, the admin turns them into messages, the consumer into REJECTED or FAILED). No
module here imports an edge, so this file depends on nothing but the standard library.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

__all__ = [
    "ClientConflict",
    "CaseNotActive",
    "ConcurrencyConflict",
    "DecisionRefused",
    "DecisionRequired",
    "EvidenceDeleted",
    "EvidenceTooLarge",
    "HitStateConflict",
    "IllegalTransition",
    "InvalidCommand",
    "MessageRejected",
    "NoCaseAvailable",
    "NotAllowed",
    "NotFound",
    "RangeNotSatisfiable",
    "UnsupportedEvidenceType",
    "ValidationIssue",
    "VersionConflict",
]


class NotFound(Exception):
    """The case, requirement or party a command names does not exist (HTTP 404)."""


class InvalidCommand(ValueError):
    """A command that can never succeed as given, e.g. an empty note (HTTP 422)."""


class VersionConflict(Exception):
    """The aggregate moved on since the caller read it; re-read and retry (HTTP 409)."""

    def __init__(self, aggregate_id: uuid.UUID, expected: int, current: int):
        self.aggregate_id = aggregate_id
        self.expected = expected
        self.current = current
        super().__init__(
            f"version conflict on {aggregate_id}: expected version {expected}, "
            f"current version {current}"
        )


class ConcurrencyConflict(Exception):
    """Another command appended to the same aggregate version first (the event store's view;
    services turn it into VersionConflict, HTTP 409)."""

    def __init__(self, aggregate_ids: list[uuid.UUID]):
        self.aggregate_ids = aggregate_ids
        super().__init__(f"version conflict on aggregate(s) {', '.join(map(str, aggregate_ids))}")


class IllegalTransition(Exception):
    """A requested status move the lifecycle forbids; carries what *is* allowed (HTTP 409)."""

    def __init__(self, kind: str, current: str, requested: str, allowed: list[str]):
        self.kind = kind
        self.current = current
        self.requested = requested
        self.allowed = allowed
        moves = ", ".join(allowed) if allowed else f"none ({current} is final)"
        super().__init__(
            f"illegal {kind} status transition {current} → {requested}; "
            f"allowed from {current}: {moves}"
        )


class DecisionRequired(IllegalTransition):
    """A direct status change to a status only the four-eyes decision reaches (HTTP 409)."""

    def __init__(self, current: str, requested: str, allowed: list[str], command: str):
        super().__init__("case", current, requested, allowed)
        self.command = command
        self.args = (
            f"{requested} is reached only through the four-eyes decision: {command}; "
            f"a direct status change from {current} allows: {', '.join(allowed) or 'nothing'}",
        )


# --- Analyst workflow (SPEC §3a) ---------------------------------------------------------------


class NotAllowed(PermissionError):
    """The actor may not do this to this case: wrong role, not the assignee, or the proposer
    approving their own proposal (HTTP 403). The message says who may."""


class HitStateConflict(InvalidCommand):
    """The screening hit is not in the state the action needs: resolving a hit already resolved
    or proposed, approving or returning one with no proposed match (HTTP 409: re-read the hit).
    An InvalidCommand to the callers that need not tell the two apart (the admin's messages)."""


class NoCaseAvailable(Exception):
    """Claim-next found no unassigned OPEN or IN_REVIEW case matching the filters (HTTP 404)."""


class CaseNotActive(Exception):
    """The case is APPROVED, REJECTED or CLOSED: it can no longer be assigned or decided
    (HTTP 409)."""


class DecisionRefused(Exception):
    """Approval proposed while required documents are outstanding; `outstanding` lists them as
    "<document type> (<status>)" (HTTP 409). `kind` names what is outstanding ("documents", or
    "screening_hits" for hits unresolved or confirmed), the API's error location."""

    def __init__(self, message: str, outstanding: list[str], kind: str = "documents"):
        super().__init__(message, list(outstanding))
        self.outstanding = list(outstanding)
        self.kind = kind

    def __str__(self) -> str:
        return f"{self.args[0]}: {', '.join(self.outstanding)}"


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One problem with an intake message: where (dotted path, ``$`` = whole record) and what."""

    loc: str
    msg: str


class MessageRejected(Exception):
    """An intake message that can never be processed (HTTP 422; on Kafka: REJECTED + DLQ).

    `reason` is machine-readable (`schema`, `not_an_object`, or a carrier's decoding reason such
    as `bad_json`); `issues` has one entry per problem.
    """

    def __init__(self, reason: str, issues: list[ValidationIssue]) -> None:
        # Both arguments go to Exception so the exception pickles and copies faithfully.
        super().__init__(reason, list(issues))
        self.reason = reason
        self.issues: list[ValidationIssue] = list(issues)

    def __str__(self) -> str:
        shown = "; ".join(f"{issue.loc}: {issue.msg}" for issue in self.issues[:10])
        more = len(self.issues) - 10
        suffix = f" (+{more} more)" if more > 0 else ""
        return f"message rejected ({self.reason}): {shown or 'no details'}{suffix}"


class ClientConflict(MessageRejected):
    """A client record that contradicts the client's open case, e.g. KYB data for a KYC case
    (HTTP 409; on Kafka: REJECTED + DLQ). Never applied: an analyst must look at it."""

    def __init__(self, loc: str, msg: str) -> None:
        super().__init__("client_conflict", [ValidationIssue(loc, msg)])


# --- Document evidence (SPEC §5a) --------------------------------------------------------------


class UnsupportedEvidenceType(InvalidCommand):
    """The bytes are not one of EVIDENCE_ALLOWED_TYPES (HTTP 415). `detected` is the type sniffed
    from the bytes (None: unrecognised); the client's declared type is never trusted."""

    def __init__(self, detected: str | None, declared: str | None, allowed: list[str]):
        self.detected = detected
        self.declared = declared
        self.allowed = list(allowed)
        found = detected or "an unrecognised type"
        super().__init__(
            f"the file is {found} (declared {declared or 'nothing'}); "
            f"accepted types: {', '.join(self.allowed)}"
        )


class EvidenceTooLarge(InvalidCommand):
    """The file is larger than EVIDENCE_MAX_BYTES (HTTP 413); nothing was stored."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"the file is larger than the limit of {limit} bytes; nothing stored")


class RangeNotSatisfiable(InvalidCommand):
    """The requested byte range lies outside the file (HTTP 416); `size` is the file's length,
    for the `Content-Range: bytes */size` answer."""

    def __init__(self, size: int, message: str = ""):
        self.size = size
        super().__init__(message or f"the range lies outside the file's {size} bytes")


class EvidenceDeleted(Exception):
    """The version's bytes were deleted by the retention service; its metadata remains
    (HTTP 410). The message says when and why."""
