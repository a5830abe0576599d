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
    "ConcurrencyConflict",
    "IllegalTransition",
    "InvalidCommand",
    "MessageRejected",
    "NotFound",
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
