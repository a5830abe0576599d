"""The outbox's in-flight marks: which relay pass is sending which rows, since when, from where.

A pass is marked with one write per topic before anything is produced, and the mark is cleared
by the write of the outcome. Every change of hands is a conditional write on the pass id, so
two relays never mark, or take over, the same row.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from cases.core import bulk
from cases.models import Notification, NotificationStatus
from kafka_integration.topic_positions import Positions


@dataclass(frozen=True)
class RelayPass:
    """One pass of one relay: its id, who runs it, when it was marked, and where each topic
    ended before it (a pass taken over keeps the positions of the pass it continues)."""

    id: str
    owner: str
    started_at: datetime
    positions: dict[str, Positions] = field(default_factory=dict)

    @classmethod
    def new(cls, owner: str, positions: dict[str, Positions] | None = None) -> RelayPass:
        return cls(uuid.uuid4().hex, owner, timezone.now(), positions or {})

    def age(self, now: datetime) -> timedelta:
        return now - self.started_at


# The mark as written, and as the outcome write clears it.
CLEARED = {"in_flight": None, "in_flight_by": "", "in_flight_since": None, "in_flight_from": None}


def mark(rows: list[Notification], relay_pass: RelayPass, *, again: bool) -> list[Notification]:
    """Mark the rows no other pass holds; return those (normally all, from the write's count).

    One conditional update per row in one bulk write, each atomic on the server, so two relays
    never both take a row.

    `again`: DELIVERED rows may be marked too (an explicit re-send); otherwise a row another
    relay delivered since it was read is left alone.
    """
    taken: list[Notification] = []
    where: dict[str, Any] = {"in_flight": None}
    if not again:
        where["status"] = {"$ne": NotificationStatus.DELIVERED.value}
    for topic, group in by_topic(rows).items():
        values = {
            "in_flight": relay_pass.id,
            "in_flight_by": relay_pass.owner,
            "in_flight_since": relay_pass.started_at,
            "in_flight_from": relay_pass.positions.get(topic, {}),
        }
        prepared = bulk.prepared(Notification, **values)
        updates = [(bulk.prepared_pk(Notification, row.pk), prepared) for row in group]
        if bulk.update_where(Notification, updates, where) != len(group):
            # Another relay holds some of them (or delivered them since): ask which are ours.
            ours = set(
                Notification.objects.filter(in_flight=relay_pass.id).values_list("pk", flat=True)
            )
            group = [row for row in group if row.pk in ours]
        for row in group:
            for name, value in values.items():
                setattr(row, name, value)
        taken.extend(group)
    return taken


def by_topic(rows: list[Notification]) -> dict[str, list[Notification]]:
    grouped: dict[str, list[Notification]] = defaultdict(list)
    for row in rows:
        grouped[row.topic].append(row)
    return grouped


def in_flight() -> dict[str, list[Notification]]:
    """Every row some pass is sending now, by pass id (index `notification_in_flight`)."""
    passes: dict[str, list[Notification]] = defaultdict(list)
    for row in Notification.objects.filter(in_flight__isnull=False).order_by("created_at", "id"):
        passes[row.in_flight].append(row)
    return dict(passes)


def pass_of(rows: list[Notification]) -> RelayPass:
    """The pass these rows (all of one pass) were marked with, as stored."""
    first = rows[0]
    positions: dict[str, Positions] = {}
    for row in rows:
        positions.setdefault(row.topic, row.in_flight_from or {})
    return RelayPass(first.in_flight, first.in_flight_by, first.in_flight_since, positions)


def take_over(abandoned: RelayPass, successor: RelayPass) -> list[Notification]:
    """Move the rows still marked with `abandoned` to `successor` (one conditional write) and
    return them. Positions stay those of `abandoned`: its records are at or after them, and so
    are whatever the successor sends again. Another relay that got there first gets them all.
    """
    values = bulk.prepared(
        Notification,
        in_flight=successor.id,
        in_flight_by=successor.owner,
        in_flight_since=successor.started_at,
    )
    bulk.collection(Notification).update_many({"in_flight": abandoned.id}, {"$set": values})
    return list(Notification.objects.filter(in_flight=successor.id).order_by("created_at", "id"))
