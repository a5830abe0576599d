"""Screening projections (SPEC §3c).

Two parts. The Case root, version-gated like every projection, keeps the counts the case
pages and the decision guards read (`screening_pending`, `open_hits`, `confirmed_hit_topics`)
and the case type a confirmed PEP raises. The screening documents (requests, each party's
latest screening per list, hits) are folded from the case's screening history
(`cases.screening.state`), so live projection and `rebuild_projections` agree by construction:

- a case opened in this very batch has no screening history before it: its documents fold from
  the batch alone and are inserted blind (no read on the ingest hot path);
- any other case folds from the event store (one indexed read per batch for all its cases),
  and only the documents this batch touched are written, each only over an older version.
"""

from __future__ import annotations

import uuid
from typing import Any

from pymongo import ReplaceOne
from pymongo.errors import BulkWriteError

from cases.core import bulk, event_store, projections
from cases.core import events as ev
from cases.core.projections import ProjectableEvent
from cases.models import Case, PartyScreening, ScreeningHit, ScreeningRequest, StoredEvent
from cases.screening import events as se
from cases.screening.state import ScreeningState, apply, fold

__all__ = ["load_states", "project_screening"]


# --- Case root ---------------------------------------------------------------------------------


def _touch(case: Case, event: ProjectableEvent) -> Case:
    case.updated_at = event.occurred_at
    return case


def _requested(uow: Any, event: ProjectableEvent, case: Case) -> Case:
    case.screening_pending = (case.screening_pending or 0) + 1
    return _touch(case, event)


def _completed(uow: Any, event: ProjectableEvent, case: Case) -> Case:
    case.open_hits = (case.open_hits or 0) + len(event.payload.get("opened", ()))
    if event.payload.get("request_done"):
        case.screening_pending = max((case.screening_pending or 0) - 1, 0)
    return _touch(case, event)


def _cancelled(uow: Any, event: ProjectableEvent, case: Case) -> Case:
    case.screening_pending = max((case.screening_pending or 0) - 1, 0)
    return _touch(case, event)


def _resolved(uow: Any, event: ProjectableEvent, case: Case) -> Case:
    case.open_hits = max((case.open_hits or 0) - 1, 0)
    if event.payload["resolution"] == se.TRUE_MATCH:
        topics = set(case.confirmed_hit_topics or []) | set(event.payload.get("topics", ()))
        case.confirmed_hit_topics = sorted(topics)
    return _touch(case, event)


def _raised_to_edd(uow: Any, event: ProjectableEvent, case: Case) -> Case:
    case.case_type = event.payload["new_case_type"]
    return _touch(case, event)


def _only_touch(uow: Any, event: ProjectableEvent, case: Case) -> Case:
    return _touch(case, event)


projections.register(se.SCREENING_REQUESTED, Case, _requested, creates=False)
projections.register(se.SCREENING_COMPLETED, Case, _completed, creates=False)
projections.register(se.SCREENING_REQUEST_CANCELLED, Case, _cancelled, creates=False)
projections.register(se.SCREENING_HIT_RESOLVED, Case, _resolved, creates=False)
projections.register(se.CASE_RAISED_TO_EDD, Case, _raised_to_edd, creates=False)
for _event_type in (
    se.SCREENING_HIT_WHITELISTED,
    se.SCREENING_HIT_MATCH_PROPOSED,
    se.SCREENING_HIT_MATCH_APPROVED,
    se.SCREENING_HIT_MATCH_RETURNED,
):
    projections.register(_event_type, Case, _only_touch, creates=False)


# --- Screening documents -----------------------------------------------------------------------


def load_states(case_ids: list[uuid.UUID], up_to: dict[uuid.UUID, int] | None = None):
    """{case_id: ScreeningState} folded from the stored, committed screening events (one read
    on the `event_stream` index); `up_to` bounds a case's fold at a version (a decision's)."""
    stored = StoredEvent.objects.filter(
        aggregate_id__in=case_ids, event_type__in=sorted(se.SCREENING_EVENTS)
    ).order_by("aggregate_id", "version")
    events = event_store.visible(stored)
    by_case: dict[uuid.UUID, list[StoredEvent]] = {case_id: [] for case_id in case_ids}
    for event in events:
        limit = (up_to or {}).get(event.aggregate_id)
        if limit is None or event.version <= limit:
            by_case[event.aggregate_id].append(event)
    return {case_id: fold(case_id, found) for case_id, found in by_case.items()}


def _documents(state: ScreeningState, touched: set[tuple[str, str]]) -> list[Any]:
    documents: list[Any] = []
    for kind, key in sorted(touched):
        if kind == "request" and key in state.requests:
            documents.append(ScreeningRequest(**state.requests[key]))
        elif kind == "hit" and key in state.hits:
            documents.append(ScreeningHit(**state.hits[key]))
        elif kind == "screening":
            party_id, _, dataset = key.partition("|")
            found = state.screenings.get((party_id, dataset))
            if found is not None:
                pk = ev.derive_id("party-screening", state.case_id, party_id, dataset)
                documents.append(PartyScreening(id=pk, **found))
    return documents


def _replace_if_newer(documents: list[Any]) -> None:
    """Upsert each document unless the stored one is at a later version already (another
    projector folded more events); that one wins, never a step back."""
    by_model: dict[type, list[ReplaceOne]] = {}
    for instance, document in zip(documents, bulk.to_documents(documents), strict=True):
        by_model.setdefault(type(instance), []).append(
            ReplaceOne(
                {"_id": document["_id"], "version": {"$lte": document["version"]}},
                document,
                upsert=True,
            )
        )
    for model, operations in by_model.items():
        try:
            bulk.collection(model).bulk_write(operations, ordered=False)
        except BulkWriteError as exc:  # a newer document made the upsert's insert collide
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != bulk.DUPLICATE_KEY for error in errors):
                raise


def project_screening(batch: list[ProjectableEvent]) -> None:
    """Write the screening documents the batch's screening events touched (idempotent)."""
    screening = [e for e in batch if e.event_type in se.SCREENING_EVENTS]
    if not screening:
        return
    new_cases = {e.aggregate_id for e in batch if e.event_type == ev.CASE_CREATED}
    touched: dict[uuid.UUID, set[tuple[str, str]]] = {}
    fresh: dict[uuid.UUID, ScreeningState] = {}
    for event in screening:
        case_id = event.aggregate_id
        if case_id in new_cases:
            state = fresh.setdefault(case_id, ScreeningState(case_id=case_id))
            touched.setdefault(case_id, set()).update(apply(state, event))
        else:
            touched.setdefault(case_id, set()).update(_keys_of(event))
    inserts = [
        doc for case_id, state in fresh.items() for doc in _documents(state, touched[case_id])
    ]
    bulk.insert_missing_many(inserts)
    known = [case_id for case_id in touched if case_id not in fresh]
    if known:
        states = load_states(known)
        _replace_if_newer(
            [doc for case_id in known for doc in _documents(states[case_id], touched[case_id])]
        )


def _keys_of(event: ProjectableEvent) -> set[tuple[str, str]]:
    """The documents an event touches, without the case's history (hit and request ids are
    in the payloads)."""
    p = event.payload
    keys: set[tuple[str, str]] = set()
    if "request_id" in p:
        keys.add(("request", p["request_id"]))
    if "hit_id" in p:
        keys.add(("hit", p["hit_id"]))
    if event.event_type == se.SCREENING_COMPLETED:
        keys.add(("screening", f"{p['party_id']}|{p['dataset']}"))
        keys.update(("hit", hit["hit_id"]) for hit in p["hits"])
    return keys


projections.listen(project_screening)
