"""The due check's registration in the periodic round (`cases.core.periodic`), next to the
overdue check: `manage.py check_overdue` and the consumer's group leader run it."""

from __future__ import annotations

import uuid
from datetime import datetime

from cases.core.periodic import periodic_check
from cases.reviews.services import open_due_reviews

__all__: list[str] = []


@periodic_check("reviews_due")
def _reviews_due(now: datetime, limit: int) -> list[uuid.UUID]:
    return open_due_reviews(now=now, limit=limit)
