"""Rebuild every read model from the event store alone (`manage.py rebuild_projections`)."""

from __future__ import annotations

from collections.abc import Callable

from cases.core import bulk, event_store, projections
from cases.models import (
    BeneficialOwner,
    Case,
    Client,
    Company,
    DocumentRequirement,
    EvidenceFile,
    PartyScreening,
    Person,
    ScreeningHit,
    ScreeningRequest,
    StoredEvent,
)

# Projections only: the access log (EvidenceAccess), like the raw audit store, is never dropped.
READ_MODELS = (
    Person,
    BeneficialOwner,
    EvidenceFile,
    DocumentRequirement,
    Case,
    Company,
    Client,
    ScreeningRequest,
    PartyScreening,
    ScreeningHit,
)


def rebuild_read_models(
    chunk_size: int = 2000, on_progress: Callable[[int, int], None] | None = None
) -> int:
    """Drop the read models and replay every event in recording order; returns events applied.

    Read models take their timestamps and versions from the events, so the result is
    identical, ids included, to what live projection produced.
    """
    # For the progress bar only: the collection's own count, not a scan of every event.
    total = bulk.collection(StoredEvent).estimated_document_count()
    for model in READ_MODELS:
        # One delete command per collection. QuerySet.delete() would load every Case and
        # Company to cascade (their children go in this loop anyway) and delete them 100 ids
        # a command: round trips for nothing.
        bulk.collection(model).delete_many({})
    done = 0
    for chunk in event_store.iterate_all(chunk_size):
        projections.project(chunk)
        done += len(chunk)
        if on_progress:
            on_progress(done, total)
    return done
