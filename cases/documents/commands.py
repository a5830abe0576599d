"""Commands on document requirements (SPEC §4-5): determine a party's documents, decide one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from cases.core.requests import RequestFields, as_uuid


@dataclass(frozen=True)
class DetermineDocumentRequirements(RequestFields):
    """Work out (again) which documents one party of a case owes; existing ones are kept."""

    case_id: uuid.UUID
    entity_id: uuid.UUID
    entity_type: str
    traitement_type: str
    case_type: str
    context_data: dict = field(default_factory=dict)
    actor: str = "system"

    def __post_init__(self) -> None:
        as_uuid(self, "case_id", "entity_id")


@dataclass(frozen=True)
class UpdateDocumentStatus(RequestFields):
    """Record a decision on a required document (cases.core.lifecycle.DOCUMENT_TRANSITIONS)."""

    requirement_id: uuid.UUID
    new_status: str
    actor_type: str
    actor_id: str
    metadata_changes: dict = field(default_factory=dict)
    notes_to_add: list[str] = field(default_factory=list)
    expected_version: int | None = None

    def __post_init__(self) -> None:
        as_uuid(self, "requirement_id")

    @property
    def actor(self) -> str:
        """The single-string actor of the event metadata, e.g. `USER:alice`."""
        return f"{self.actor_type}:{self.actor_id}"
