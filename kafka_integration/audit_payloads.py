"""Record values too large to keep inline in their audit row (cases.models.RawPayload).

The audit rows are written, updated and listed on every batch; a value over
``RAW_PAYLOAD_INLINE_MAX_BYTES`` (a hostile 1 MiB blob, say) goes to ``raw_payloads`` under the
row's own id instead, so the rows stay small whatever senders put on the topic. The bytes are
kept exactly as received, and read back only by id.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.conf import settings

from cases.core import bulk
from cases.models import RawPayload

EXTERNAL = "external"


def is_external(value: bytes | None) -> bool:
    return value is not None and len(value) > settings.RAW_PAYLOAD_INLINE_MAX_BYTES


def store(items: Iterable[tuple[uuid.UUID, bytes | None]]) -> int:
    """Insert the large values among (raw event id, value); returns how many there were.

    Called before the audit rows are inserted, so a row marked external always has its bytes.
    Blind and idempotent: a redelivered record finds its payload stored and keeps it.
    """
    payloads = [
        RawPayload(id=raw_id, data=value, size=len(value))
        for raw_id, value in items
        if value is not None and is_external(value)
    ]
    bulk.insert_missing(payloads)
    return len(payloads)


def load(raw_event_id: uuid.UUID) -> bytes:
    return bytes(RawPayload.objects.get(pk=raw_event_id).data)


# Values are up to 1 MiB each: a few per reply keeps every reply far under the wire limit
# (FerretDB v1 fills a first batch past it: 101 MB against 48 MB, measured on the hostile run).
LOAD_BATCH = 8


def load_all(raw_event_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, bytes]:
    """Many at once (one query, read a few values per reply), for readers of a whole topic."""
    ids = list(raw_event_ids)
    if not ids:
        return {}
    stored = [bulk.prepared_pk(RawPayload, raw_id) for raw_id in ids]
    by_stored = dict(zip(stored, ids, strict=True))
    cursor = bulk.collection(RawPayload).find({"_id": {"$in": stored}}, batch_size=LOAD_BATCH)
    return {by_stored[doc["_id"]]: bytes(doc["data"]) for doc in cursor}
