"""Screening commands (SPEC §3c). `actor` names the user (`alice` or `USER:alice`); the service
resolves their groups and permission, so a caller cannot claim a right it does not have."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cases.core.requests import RequestFields, as_uuid

__all__ = ["ApproveHitMatch", "RescreenCase", "ResolveHit", "ReturnHitMatch"]


@dataclass(frozen=True)
class RescreenCase(RequestFields):
    """Screen every current party of the case again, against every list (on demand)."""

    case_id: uuid.UUID
    actor: str

    expected_version: int | None = None  # of the case, when the caller read one

    def __post_init__(self) -> None:
        as_uuid(self, "case_id")


@dataclass(frozen=True)
class ResolveHit(RequestFields):
    """FALSE_POSITIVE (resolved and whitelisted at once) or TRUE_MATCH (proposed: a second
    member of the lead group approves it)."""

    hit_id: uuid.UUID
    resolution: str
    rationale: str
    actor: str

    expected_version: int | None = None  # of the case, when the caller read one

    def __post_init__(self) -> None:
        as_uuid(self, "hit_id")


@dataclass(frozen=True)
class ApproveHitMatch(RequestFields):
    """A lead who did not propose it confirms a proposed TRUE_MATCH."""

    hit_id: uuid.UUID
    actor: str
    comment: str = ""

    expected_version: int | None = None  # of the case, when the caller read one

    def __post_init__(self) -> None:
        as_uuid(self, "hit_id")


@dataclass(frozen=True)
class ReturnHitMatch(RequestFields):
    """A lead who did not propose it sends a proposed TRUE_MATCH back to open, saying why."""

    hit_id: uuid.UUID
    reason: str
    actor: str

    expected_version: int | None = None  # of the case, when the caller read one

    def __post_init__(self) -> None:
        as_uuid(self, "hit_id")
