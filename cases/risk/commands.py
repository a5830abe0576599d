"""Risk override commands (SPEC §3d). `actor` names the user (`alice` or `USER:alice`); the
service resolves their groups, so a caller cannot claim a right it does not have."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cases.core.requests import RequestFields, as_uuid

__all__ = ["ApproveRiskOverride", "ProposeRiskOverride", "ReturnRiskOverride"]


@dataclass(frozen=True)
class ProposeRiskOverride(RequestFields):
    """An analyst sets the case's level by hand, with a rationale; a lead decides."""

    case_id: uuid.UUID
    level: str
    rationale: str
    actor: str

    expected_version: int | None = None  # of the case, when the caller read one

    def __post_init__(self) -> None:
        as_uuid(self, "case_id")


@dataclass(frozen=True)
class ApproveRiskOverride(RequestFields):
    """A member of the lead group who did not propose it makes the override the case's level."""

    case_id: uuid.UUID
    actor: str
    comment: str = ""

    expected_version: int | None = None

    def __post_init__(self) -> None:
        as_uuid(self, "case_id")


@dataclass(frozen=True)
class ReturnRiskOverride(RequestFields):
    """A member of the lead group who did not propose it drops the override, saying why."""

    case_id: uuid.UUID
    reason: str
    actor: str

    expected_version: int | None = None

    def __post_init__(self) -> None:
        as_uuid(self, "case_id")
