"""Re-rating when an input of the rating changes (SPEC §3d): a client update, a resolved hit.

Receivers of domain signals sent after the change is projected; `assess_cases` appends only
when the rating moved, so a signal fired again (after a crash, a retry) changes nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.dispatch import receiver

from cases.core.signals import client_data_updated, screening_hit_resolved
from cases.risk.handlers import CLIENT_UPDATE, SCREENING_RESOLVED
from cases.risk.services import assess_cases


@receiver(client_data_updated, dispatch_uid="risk-after-client-update")
def rate_after_client_update(sender: Any, updates: dict[uuid.UUID, Any], **kwargs: Any) -> None:
    assess_cases(list(updates), CLIENT_UPDATE)


@receiver(screening_hit_resolved, dispatch_uid="risk-after-hit-resolution")
def rate_after_hit_resolution(sender: Any, case_id: uuid.UUID, **kwargs: Any) -> None:
    assess_cases([case_id], SCREENING_RESOLVED)
