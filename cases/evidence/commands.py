"""Commands on document evidence (SPEC §5a). Validated on construction, so bad input is refused
with a clear error before a single byte is read or stored."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import BinaryIO

from django.utils import timezone

from cases.core.errors import InvalidCommand
from cases.core.requests import as_uuid

__all__ = ["UploadEvidence", "split_actor"]

MAX_NAME = 255
MAX_DOCUMENT_NUMBER = 100
MAX_IDEMPOTENCY_KEY = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def split_actor(actor: str) -> tuple[str, str]:
    """`USER:alice` → ("USER", "alice"); a bare name is a user."""
    kind, colon, name = actor.strip().partition(":")
    if not colon:
        return "USER", kind
    return kind.upper(), name


def _as_date(command: object, name: str) -> None:
    value = getattr(command, name)
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return
    if isinstance(value, datetime):
        object.__setattr__(command, name, value.date())
        return
    try:
        object.__setattr__(command, name, date.fromisoformat(str(value).strip()))
    except ValueError:
        raise InvalidCommand(f"{name} must be a date (YYYY-MM-DD), not {value!r}") from None


def clean_file_name(name: str) -> str:
    """The last path segment without control characters: a name to show, never a path."""
    base = re.split(r"[\\/]", name or "")[-1]
    return _CONTROL.sub("", base).strip()[:MAX_NAME]


@dataclass(frozen=True)
class UploadEvidence:
    """Store a file as the next version of a requirement's evidence and move it to UPLOADED.

    `stream` is read once, in chunks, never whole. `declared_type` is what the client said
    (kept for the error message only; the stored type is sniffed). A retry with the same
    `idempotency_key` and the same bytes returns the version the first try stored.
    """

    requirement_id: uuid.UUID
    stream: BinaryIO
    original_name: str
    declared_type: str | None
    actor: str
    issued_on: date | None = None
    expires_on: date | None = None
    document_number: str | None = None
    idempotency_key: str | None = None
    notes: tuple[str, ...] = ()
    occurred_at: datetime = field(default_factory=timezone.now)
    trace_id: str = ""

    def __post_init__(self) -> None:
        try:
            as_uuid(self, "requirement_id")
        except ValueError:
            raise InvalidCommand(f"not a requirement id: {self.requirement_id!r}") from None
        if not split_actor(self.actor or "")[1]:
            raise InvalidCommand("an upload needs an actor (who uploads it)")
        if not hasattr(self.stream, "read"):
            raise InvalidCommand("stream must be a readable file-like object")
        _as_date(self, "issued_on")
        _as_date(self, "expires_on")
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            raise InvalidCommand(
                f"expires_on {self.expires_on} is before issued_on {self.issued_on}"
            )
        object.__setattr__(self, "original_name", clean_file_name(self.original_name))
        number = (self.document_number or "").strip()
        if len(number) > MAX_DOCUMENT_NUMBER:
            raise InvalidCommand(f"document_number is longer than {MAX_DOCUMENT_NUMBER} characters")
        object.__setattr__(self, "document_number", number)
        key = self.idempotency_key
        if key is not None and not (0 < len(key.strip()) <= MAX_IDEMPOTENCY_KEY):
            raise InvalidCommand(f"idempotency_key must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
