"""Periodic-review decisions (SPEC §3d). Pure: plain data in, events out.

- `add_review_scheduled`: the `ReviewScheduled` an approval appends (cases.workflow).
- `review_payload`: the intake record of a review case, rebuilt from the parties of the
  client's last approved case as they stand now (removed parties left out), so the review
  opens through the very path of any new case: same events, requirements, screening request.
- `amend_review_events`: what makes those events a review: requirements carried over from the
  last approved case where still good (see `carries_over`), then `ReviewCaseOpened`.

Every id derives from `review_source(client, due date)`: however often and by however many
processes a due client is found, its review case is one case.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cases.core import events as ev
from cases.core.requests import iso_ms
from cases.reviews.cadence import ReviewSchedule

__all__ = [
    "PERIODIC_REVIEW",
    "VERIFIED",
    "DueReview",
    "PreviousRequirement",
    "add_review_scheduled",
    "amend_review_events",
    "carries_over",
    "review_payload",
    "review_source",
]

PERIODIC_REVIEW = "PERIODIC_REVIEW"
VERIFIED = frozenset({"VERIFIED_SYSTEM", "VERIFIED_MANUAL"})


def add_review_scheduled(
    sequence: ev.EventSequence, case_id: uuid.UUID, schedule: ReviewSchedule
) -> ev.DomainEvent:
    """ReviewScheduled on an approved case: the client's next review date and why."""
    return sequence.add(
        ev.REVIEW_SCHEDULED,
        ev.CASE,
        case_id,
        {
            "case_id": str(case_id),
            "next_review_at": iso_ms(schedule.next_review_at),
            "level": schedule.level,
            "cadence_months": schedule.cadence_months,
        },
    )


def review_source(client_id: str, due_at: datetime) -> str:
    """The identity every id of the review derives from: the client and the date it fell due."""
    return f"review:{client_id}:{iso_ms(due_at)}"


@dataclass(frozen=True)
class PreviousRequirement:
    """A requirement of the last approved case, as the carry-over needs it."""

    entity_type: str
    entity_id: uuid.UUID
    document_type: str
    is_required: bool
    status: str
    requirement_id: uuid.UUID
    expires_on: date | None = None


@dataclass(frozen=True)
class DueReview:
    """A client whose review is due, with what its last approved case holds now."""

    client_id: str
    due_at: datetime
    previous_case_id: uuid.UUID
    traitement_type: str
    company: dict[str, Any] | None  # the intake CompanyProfile's JSON form
    persons: tuple[tuple[uuid.UUID, dict[str, Any]], ...]  # (party id, intake Person JSON)
    owners: tuple[tuple[uuid.UUID, dict[str, Any]], ...]  # (party id, intake owner JSON)
    company_id: uuid.UUID | None
    requirements: tuple[PreviousRequirement, ...] = ()


def review_payload(review: DueReview) -> dict[str, Any]:
    """The intake record (SPEC §1) of the review case; parties in their current order."""
    payload: dict[str, Any] = {
        "client_id": review.client_id,
        "version": "1.0",
        "type": PERIODIC_REVIEW,
        "traitement_type": review.traitement_type,
        "persons": [details for _, details in review.persons],
    }
    if review.company is not None:
        payload["company_profile"] = review.company
        payload["beneficial_owners"] = [details for _, details in review.owners]
    return payload


def carries_over(previous: PreviousRequirement | None, determined: dict, today: date) -> bool:
    """A requirement keeps its verification when the same party owed the same document, as
    required or not in the same way, the earlier one is VERIFIED_* now (one reopened by expiry
    or rejected since is not), and it does not say it expires by today."""
    return (
        previous is not None
        and previous.status in VERIFIED
        and previous.entity_type == determined["entity_type"]
        and previous.is_required == determined["is_required"]
        and (previous.expires_on is None or previous.expires_on > today)
    )


def _party_map(review: DueReview, decided: list[ev.DomainEvent]) -> dict[uuid.UUID, uuid.UUID]:
    """New party id → the party of the last approved case it was rebuilt from (by position)."""
    mapping: dict[uuid.UUID, uuid.UUID] = {}
    for event in decided:
        p = event.payload
        if event.event_type in (ev.PERSON_ADDED_TO_CASE, ev.PERSON_LINKED_TO_COMPANY):
            mapping[uuid.UUID(p["person_id"])] = review.persons[p["position"]][0]
        elif event.event_type == ev.BENEFICIAL_OWNER_ADDED:
            mapping[uuid.UUID(p["owner_id"])] = review.owners[p["position"]][0]
        elif event.event_type == ev.COMPANY_PROFILE_CREATED and review.company_id:
            mapping[uuid.UUID(p["company_id"])] = review.company_id
    return mapping


def amend_review_events(
    review: DueReview, decided: list[ev.DomainEvent], now: datetime
) -> list[ev.DomainEvent]:
    """The new case's events with requirements carried over, then ReviewCaseOpened."""
    previous = {(r.entity_id, r.document_type): r for r in review.requirements}
    parties = _party_map(review, decided)
    amended, carried = [], []
    case_id, case_version = None, 0
    for event in decided:
        if event.event_type == ev.CASE_CREATED:
            case_id = event.aggregate_id
        if event.aggregate_id == case_id:
            case_version = max(case_version, event.version)
        if event.event_type == ev.DOCUMENT_REQUIREMENT_DETERMINED:
            p = event.payload
            source_party = parties.get(uuid.UUID(p["entity_id"]))
            earlier = previous.get((source_party, p["document_type"]))
            if carries_over(earlier, p, now.date()):
                payload = {
                    **p,
                    "status": earlier.status,
                    "metadata": {
                        **p["metadata"],
                        "carried_from": str(earlier.requirement_id),
                        "carried_from_case": str(review.previous_case_id),
                    },
                }
                event = dataclasses.replace(event, payload=payload)
                carried.append(p["requirement_id"])
        amended.append(event)
    if case_id is None:
        raise ValueError("a review's events must open a case")
    first = decided[0]
    sequence = len(decided)
    amended.append(
        ev.DomainEvent(
            event_id=ev.derive_id(first.metadata.causation_id, "event", sequence),
            event_type=ev.REVIEW_CASE_OPENED,
            aggregate_type=ev.CASE,
            aggregate_id=case_id,
            version=case_version + 1,
            occurred_at=first.occurred_at,
            payload={
                "case_id": str(case_id),
                "client_id": review.client_id,
                "previous_case_id": str(review.previous_case_id),
                "due_at": iso_ms(review.due_at),
                "carried_requirement_ids": carried,
            },
            metadata=first.metadata,
            sequence=sequence,
        )
    )
    return amended
