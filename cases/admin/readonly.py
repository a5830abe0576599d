"""Read-only admin pages for event-sourced and audit rows (SPEC §8: nothing is edited by hand).

`has_change_permission` is False, so Django shows its view-only page (no save button) to any
user with the view permission, and a crafted POST to the change URL is refused by Django.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from cases.admin.pagination import CappedCountPaginator

__all__ = ["ReadOnlyAdminMixin", "admin_link"]


class ReadOnlyAdminMixin:
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facets count every filter choice over the list
    list_per_page = 50

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def admin_link(model_label: str, pk: object, text: object) -> str:
    """A link to the admin page of `app_label.model` row `pk`, or just the text if no pk."""
    if pk is None:
        return "—"
    app_label, model = model_label.lower().split(".")
    url = reverse(f"admin:{app_label}_{model}_change", args=[str(pk)])
    return format_html('<a href="{}">{}</a>', url, text)
