"""Screening in the back office (SPEC §3c): the case page's Screening panel, its actions, and
the "Unresolved hits" queue.

Same shape as the workflow panel (`cases.admin.workflow`): the panel offers what this user may
do, from the same pure four-eyes check the services apply, and says why when it offers nothing;
each action view binds one form, builds one command and calls its service.
"""

from cases.admin.screening.panel import screening_context
from cases.admin.screening.queue import ScreeningHitAdmin
from cases.admin.screening.views import (
    approve_hit_view,
    rescreen_view,
    resolve_hit_view,
    return_hit_view,
)

__all__ = [
    "ScreeningHitAdmin",
    "approve_hit_view",
    "rescreen_view",
    "resolve_hit_view",
    "return_hit_view",
    "screening_context",
]
