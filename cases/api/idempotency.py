"""Idempotency keys of API writes, scoped to the caller and the operation (docs/api.md).

A key names one request: the caller's retries of it (same operation, same target, same body)
are served as the first one, and the same key on another operation is simply another key (the
scope keeps them apart, as payment APIs do). The same key with a different request is refused
(422) before anything runs. The record is written before the command, with an id derived from
the scope, so the write is idempotent and the lookup is one primary-key read.
"""

from __future__ import annotations

import uuid

from django.utils import timezone

from cases.core import bulk
from cases.core.errors import InvalidCommand
from cases.core.events import derive_id
from cases.models import IdempotencyKey

__all__ = ["claim_key"]


def claim_key(caller: str, operation: str, key: str, request_digest: str) -> uuid.UUID:
    """The scoped id of `key` (used as the command's request id); InvalidCommand when the key
    already stands for a different request of this caller and operation."""
    scoped = derive_id("idempotency", caller, operation, key)
    record = IdempotencyKey.objects.filter(pk=scoped).first()
    if record is None:
        first = IdempotencyKey(pk=scoped, request_digest=request_digest, created_at=timezone.now())
        # Read by the duplicate's code, which every server sends (FerretDB's message is not the
        # one django-mongodb-backend turns into IntegrityError).
        if not bulk.insert_missing([first]):
            return scoped
        record = IdempotencyKey.objects.get(pk=scoped)  # a concurrent first attempt won
    if record.request_digest != request_digest:
        raise InvalidCommand(
            "this Idempotency-Key was already used for a different request to this operation; "
            "send a new key"
        )
    return scoped
