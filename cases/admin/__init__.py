"""The analysts' back office (SPEC §8): one module per page group, registered on import."""

from django.contrib import admin

from cases.admin import (
    cases,
    clients,
    events,
    parties,
    requirements,
    risk,
    rules,
    screening,
    tokens,
)
from cases.admin.site import brand

brand(admin.site)

__all__ = [
    "cases",
    "clients",
    "events",
    "parties",
    "requirements",
    "risk",
    "rules",
    "screening",
    "tokens",
]
