"""Review cadence: which date an approval sets for the client's next review. Pure.

The months come from `ReviewCadence` rows (data; loaded by `load_cadences`), keyed by the risk
level of the approved case. A case without a level (opened before the risk model, or not yet
rated) uses the `UNRATED` row, seeded at the high-risk cadence: an unknown risk is not treated
as a low one. A level without a row (PROHIBITED, which is never approved) falls back the same way.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "DEFAULT_CADENCES",
    "UNRATED",
    "ReviewSchedule",
    "add_months",
    "load_cadences",
    "schedule_review",
    "seed_cadences",
]

UNRATED = "UNRATED"
#: SPEC §3d defaults (months): HIGH 1 year, MEDIUM 3, LOW 5; unrated as HIGH.
DEFAULT_CADENCES: dict[str, int] = {"HIGH": 12, "MEDIUM": 36, "LOW": 60, UNRATED: 12}


@dataclass(frozen=True)
class ReviewSchedule:
    """The next review an approval sets: when, and from which level and cadence."""

    next_review_at: datetime
    level: str
    cadence_months: int


def add_months(moment: datetime, months: int) -> datetime:
    """Same day and time `months` later; the 31st becomes the month's last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def schedule_review(
    level: str | None, cadences: Mapping[str, int], approved_at: datetime
) -> ReviewSchedule:
    """The next review of a client whose case was approved at `approved_at` with `level`."""
    wanted = (level or UNRATED).upper()
    if wanted in cadences:
        months = cadences[wanted]
    else:
        months = cadences.get(UNRATED, DEFAULT_CADENCES[UNRATED])
    return ReviewSchedule(add_months(approved_at, months), level or UNRATED, months)


def load_cadences() -> dict[str, int]:
    """The cadence rows, level → months (defaults for levels without a row)."""
    from cases.models import ReviewCadence

    rows = dict(ReviewCadence.objects.values_list("level", "months"))
    return {**DEFAULT_CADENCES, **{level.upper(): months for level, months in rows.items()}}


def seed_cadences(model) -> int:
    """Insert the default rows that are missing (migration 0024, tests); returns how many."""
    added = 0
    for level, months in DEFAULT_CADENCES.items():
        added += model.objects.get_or_create(level=level, defaults={"months": months})[1]
    return added
