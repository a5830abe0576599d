"""A new watchlist version re-screens every monitored client against its delta (SPEC §3c).

Connected when the app is ready (cases.apps). The receiver only appends requests (a page of
cases at a time); the worker does the screening.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from cases.screening.services import request_list_rescreen
from screening.signals import watchlist_version_loaded

__all__ = ["rescreen_on_new_list_version"]


@receiver(watchlist_version_loaded, dispatch_uid="cases-rescreen-on-new-list-version")
def rescreen_on_new_list_version(sender: Any, dataset: str, version: str, **_: Any) -> None:
    request_list_rescreen(dataset, version)
