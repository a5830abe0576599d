"""The due check (SPEC §3d): open one PERIODIC_REVIEW case per client whose review date passed.

Reads only the due clients (`selectors.list_clients_due_for_review`, index
`client_review_due`), then for all of them at once their last approved cases' parties as they
stand now (`client_updates.state`) and requirements, and opens the reviews through intake's
`open_cases`, the path of any new case (requirements determined, every party screened and
rated, the cases announced), each holding its client's claim (SPEC §3b).

Exactly once: every id derives from (client, due date) (`handlers.review_source`), so a second
run, or a second process at the same time, appends the very same events, which the event store
keeps once; the claim's unique (client, generation) refuses a review racing an upstream record
for the same client, and the loser leaves the client to the winner's case. Once projected,
the client has an open case and its next review date is spent, so later runs do not read it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime

from django.utils import timezone

from cases import selectors
from cases.client_updates import claims
from cases.client_updates.state import load_snapshots
from cases.core.errors import ConcurrencyConflict
from cases.core.signals import case_opened
from cases.documents.rules import load_document_rules
from cases.intake.commands import CreateCase
from cases.intake.contract import MessageRejected, validate_payload
from cases.intake.handlers import case_id_for
from cases.intake.services import open_cases
from cases.models import Client, DocumentRequirement
from cases.notifications.services import notify_review_due
from cases.reviews.handlers import (
    DueReview,
    PreviousRequirement,
    amend_review_events,
    review_payload,
    review_source,
)

__all__ = ["due_reviews", "open_due_reviews", "open_reviews"]

logger = logging.getLogger(__name__)


def _expires_on(row: DocumentRequirement) -> date | None:
    """The earliest expiry the requirement knows of: its verified file's (SPEC §5a) or one
    recorded in its metadata by a decision without a file. The review may run before the
    expiry check re-opens the requirement, so both are read here."""
    value = (row.metadata or {}).get("expires_on")
    try:
        stated = date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        stated = None
    known = [d for d in (row.expires_on, stated) if d is not None]
    return min(known) if known else None


def due_reviews(clients: list[Client]) -> list[DueReview]:
    """What each client's review is opened from, read for all of them at once (the parties of
    their approved cases as they stand now, and those cases' requirements); a client whose
    schedule names no stored case is left out."""
    wanted = [c.reviewed_case_id for c in clients if c.reviewed_case_id and c.next_review_at]
    snapshots = load_snapshots(wanted)
    requirements: dict[uuid.UUID, list[PreviousRequirement]] = {}
    for row in DocumentRequirement.objects.filter(case_id__in=list(snapshots)).order_by():
        requirements.setdefault(row.case_id, []).append(
            PreviousRequirement(
                entity_type=row.entity_type,
                entity_id=row.entity_id,
                document_type=row.document_type,
                is_required=row.is_required,
                status=row.status,
                requirement_id=row.pk,
                expires_on=_expires_on(row),
            )
        )
    reviews = []
    for client in clients:
        snapshot = snapshots.get(client.reviewed_case_id)
        if snapshot is None or client.next_review_at is None:
            logger.warning("review due without an approved case", extra={"client": client.pk})
            continue
        reviews.append(
            DueReview(
                client_id=client.client_id,
                due_at=client.next_review_at,
                previous_case_id=snapshot.case_id,
                traitement_type=snapshot.traitement_type,
                company=snapshot.company,
                persons=tuple((p.party_id, p.details) for p in snapshot.persons),
                owners=tuple(
                    (
                        o.party_id,
                        {
                            "person_details": o.details,
                            "ownership_percentage": o.ownership_percentage,
                            "types_of_control": list(o.types_of_control),
                            "is_ubo": o.is_ubo,
                        },
                    )
                    for o in snapshot.owners
                ),
                company_id=snapshot.company_id,
                requirements=tuple(requirements.get(snapshot.case_id, ())),
            )
        )
    return reviews


def _commands(reviews: list[DueReview], now: datetime) -> list[tuple[CreateCase, DueReview]]:
    """The review cases' CreateCase commands. A client whose stored parties no longer pass the
    intake contract is logged and left out, so it cannot hold up every other client's review."""
    commands = []
    for review in reviews:
        try:
            message = validate_payload(review_payload(review))
        except MessageRejected as exc:
            logger.error(
                "review not opened: the client's parties fail the intake contract",
                extra={"client": review.client_id, "issues": [i.loc for i in exc.issues]},
            )
            continue
        source = review_source(review.client_id, review.due_at)
        commands.append((CreateCase(source, message, now, actor="system"), review))
    return commands


def open_reviews(reviews: list[DueReview], *, now: datetime, rules=None) -> list[uuid.UUID]:
    """Open the review cases of `reviews` in one append and one projection pass (or find
    them again); ConcurrencyConflict, with nothing kept, when another case of one of the
    clients took its claim first."""
    commands = _commands(reviews, now)
    if not commands:
        return []
    found = claims.client_cases([review.client_id for _, review in commands])
    by_source = {command.source: review for command, review in commands}
    opened = open_cases(
        [command for command, _ in commands],
        rules,
        generations=[
            found[c.message.client_id].next_generation(case_id_for(c.source)) for c, _ in commands
        ],
        amend=lambda command, decided: amend_review_events(by_source[command.source], decided, now),
    )
    return opened.case_ids


def open_due_reviews(*, now: datetime | None = None, limit: int = 500) -> list[uuid.UUID]:
    """Open the review case of each due client without an open case; returns their ids.

    All of a run's reviews go in one batch, as the consumer opens cases; if another writer
    took one client's claim meanwhile, nothing of the batch was kept and each review is
    opened on its own, the taken client passed over (it has its open case now)."""
    now = now or timezone.now()
    due = list(selectors.list_clients_due_for_review(now=now)[:limit])
    if not due:
        return []
    rules = load_document_rules()
    reviews = due_reviews(due)
    if not reviews:
        return []
    try:
        opened = open_reviews(reviews, now=now, rules=rules)
    except ConcurrencyConflict:
        opened = []
        for review in reviews:
            try:
                opened += open_reviews([review], now=now, rules=rules)
            except ConcurrencyConflict:
                continue  # another case of this client opened meanwhile: not due any more
    if opened:
        case_opened.send(sender=open_due_reviews, case_ids=opened)
        notify_review_due(opened)
    return opened
