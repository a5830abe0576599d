"""A case's screening state, folded from its screening events. Pure.

The same fold serves the decisions (what is pending, which hits are open, what is
whitelisted) and the read models (`cases.screening.projections`), so they cannot disagree,
and a rebuild from the event store lands on the same documents. Times are the events' own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cases.core.requests import iso_ms
from cases.screening import events as se

__all__ = ["ScreeningState", "fold", "party_key", "split_party_key"]

# What a ScreeningCompleted carries per hit and the hit document keeps.
HIT_DATA = (
    "entity_id",
    "entity_hash",
    "schema",
    "caption",
    "names",
    "birth_dates",
    "countries",
    "topics",
    "score",
    "features",
)


def party_key(party_type: str, party_id: uuid.UUID | str) -> str:
    """How a party is named to the screening app (opaque there): "PERSON:<uuid>"."""
    return f"{party_type}:{party_id}"


def split_party_key(key: str) -> tuple[str, uuid.UUID]:
    party_type, _, party_id = key.partition(":")
    return party_type, uuid.UUID(party_id)


@dataclass
class ScreeningState:
    """Documents as plain dicts (the read models' fields) plus the whitelist."""

    case_id: uuid.UUID
    version: int = 0
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    screenings: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    hits: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (party id, dataset, entity id) -> the entity hash a false positive was cleared for
    whitelist: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def is_pending(self, request_id: uuid.UUID | str) -> bool:
        request = self.requests.get(str(request_id))
        return request is not None and request["status"] == se.PENDING

    def whitelisted(self, party_id: str, dataset: str, entity_id: str, entity_hash: str) -> bool:
        return self.whitelist.get((party_id, dataset, entity_id)) == entity_hash

    def unresolved(self) -> list[dict[str, Any]]:
        return [hit for hit in self.hits.values() if hit["status"] in se.UNRESOLVED]


def _requested(state: ScreeningState, event: Any) -> list[tuple[str, str]]:
    p = event.payload
    delta = p.get("delta") or {}
    state.requests[p["request_id"]] = {
        "id": p["request_id"],
        "case_id": p["case_id"],
        "reason": p["reason"],
        "parties": list(p["parties"]),
        "delta_dataset": delta.get("dataset", ""),
        "delta_version": delta.get("version", ""),
        "requested_by": p.get("requested_by", ""),
        "status": se.PENDING,
        "requested_at": event.occurred_at,
        "finished_at": None,
        "outcome": "",
        "version": event.version,
    }
    return [("request", p["request_id"])]


def _finish_request(state: ScreeningState, event: Any, status: str, outcome: str) -> None:
    request = state.requests.get(event.payload["request_id"])
    if request is not None:
        request.update(
            status=status, finished_at=event.occurred_at, outcome=outcome, version=event.version
        )


def _completed(state: ScreeningState, event: Any) -> list[tuple[str, str]]:
    p = event.payload
    touched = [("screening", f"{p['party_id']}|{p['dataset']}")]
    state.screenings[(p["party_id"], p["dataset"])] = {
        "case_id": p["case_id"],
        "party_type": p["party_type"],
        "party_id": p["party_id"],
        "dataset": p["dataset"],
        "list_version": p["version"],
        "algorithm": p["algorithm"],
        "algorithm_version": p.get("algorithm_version", ""),
        "threshold": p["threshold"],
        "scope": p["scope"],
        "hit_count": len(p["hits"]),
        "screened_at": event.occurred_at,
        "request_id": p["request_id"],
        "version": event.version,
    }
    opened = set(p.get("opened", ()))
    for hit in p["hits"]:
        hit_id = hit["hit_id"]
        data = {key: hit[key] for key in HIT_DATA}
        current = state.hits.get(hit_id)
        if current is None or hit_id in opened:
            current = state.hits[hit_id] = {
                "id": hit_id,
                "case_id": p["case_id"],
                "party_type": p["party_type"],
                "party_id": p["party_id"],
                "dataset": p["dataset"],
                "status": se.OPEN,
                "resolution": None,
                "raised_at": event.occurred_at,
            }
        current.update(
            data,
            list_version=p["version"],
            algorithm=p["algorithm"],
            screened_at=event.occurred_at,
            version=event.version,
        )
        touched.append(("hit", hit_id))
    if p.get("request_done"):
        _finish_request(state, event, se.DONE, f"{len(opened)} hit(s) raised")
        touched.append(("request", p["request_id"]))
    return touched


def _cancelled(state: ScreeningState, event: Any) -> list[tuple[str, str]]:
    _finish_request(state, event, se.CANCELLED, event.payload["reason"])
    return [("request", event.payload["request_id"])]


def _hit(state: ScreeningState, event: Any, status: str | None, resolution: Any) -> list:
    hit = state.hits.get(event.payload["hit_id"])
    if hit is None:
        return []
    if status is not None:
        hit["status"] = status
    hit["resolution"] = resolution
    hit["version"] = event.version
    return [("hit", hit["id"])]


def _resolved(state: ScreeningState, event: Any) -> list[tuple[str, str]]:
    p = event.payload
    previous = (state.hits.get(p["hit_id"]) or {}).get("resolution") or {}
    resolution = {
        **previous,
        "resolution": p["resolution"],
        "rationale": p["rationale"],
        "by": p["by"],
        "at": p["at"],
    }
    return _hit(state, event, p["resolution"], resolution)


def _whitelisted(state: ScreeningState, event: Any) -> list[tuple[str, str]]:
    p = event.payload
    state.whitelist[(p["party_id"], p["dataset"], p["entity_id"])] = p["entity_hash"]
    return []


def _proposed(state: ScreeningState, event: Any) -> list[tuple[str, str]]:
    p = event.payload
    resolution = {
        "resolution": se.TRUE_MATCH,
        "rationale": p["rationale"],
        "proposed_by": p["proposed_by"],
        "proposed_at": p["proposed_at"],
        "approval_group": p["approval_group"],
    }
    return _hit(state, event, se.MATCH_PROPOSED, resolution)


def _approved(state: ScreeningState, event: Any) -> list[tuple[str, str]]:
    p = event.payload
    previous = (state.hits.get(p["hit_id"]) or {}).get("resolution") or {}
    resolution = {**previous, "approved_by": p["approved_by"], "comment": p["comment"]}
    return _hit(state, event, None, resolution)


def _returned(state: ScreeningState, event: Any) -> list[tuple[str, str]]:
    p = event.payload
    resolution = {
        "returned_by": p["returned_by"],
        "reason": p["reason"],
        "proposed_by": p["proposed_by"],
        "returned_at": iso_ms(event.occurred_at),
    }
    return _hit(state, event, se.OPEN, resolution)


_APPLY = {
    se.SCREENING_REQUESTED: _requested,
    se.SCREENING_COMPLETED: _completed,
    se.SCREENING_REQUEST_CANCELLED: _cancelled,
    se.SCREENING_HIT_RESOLVED: _resolved,
    se.SCREENING_HIT_WHITELISTED: _whitelisted,
    se.SCREENING_HIT_MATCH_PROPOSED: _proposed,
    se.SCREENING_HIT_MATCH_APPROVED: _approved,
    se.SCREENING_HIT_MATCH_RETURNED: _returned,
}


def apply(state: ScreeningState, event: Any) -> list[tuple[str, str]]:
    """Fold one event in; returns the documents it touched as (kind, key)."""
    handler = _APPLY.get(event.event_type)
    if handler is None:
        return []
    state.version = max(state.version, event.version)
    return handler(state, event)


def fold(case_id: uuid.UUID, events: Iterable[Any]) -> ScreeningState:
    """The state after `events` (a case stream's screening events, in version order)."""
    state = ScreeningState(case_id=case_id)
    for event in sorted(events, key=lambda e: e.version):
        apply(state, event)
    return state
