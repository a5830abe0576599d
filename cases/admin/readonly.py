"""What the back office's list pages share, and read-only pages for event-sourced rows.

SPEC §8: nothing event-sourced is edited by hand. With `has_change_permission` False Django shows
its view-only page (no save button) to any user with the view permission and refuses a crafted
POST to the change URL.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from cases.admin.pagination import CappedCountPaginator

__all__ = ["BoundedListMixin", "KnownValuesFilter", "ReadOnlyAdminMixin", "admin_link"]


class BoundedListMixin:
    """Lists over big collections: capped counts, no full result count, no facet counts; rows
    are written by commands, never added or deleted by hand."""

    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facets count every filter choice over the list
    list_per_page = 50

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdminMixin(BoundedListMixin):
    def has_change_permission(self, request, obj=None) -> bool:
        return False


class KnownValuesFilter(admin.SimpleListFilter):
    """An exact-match filter whose choices come from configuration or a fixed list, never from
    Django's default (a distinct over the whole collection). The value in the URL is always
    offered, so a link from elsewhere (the dashboard) shows as selected."""

    field = ""

    def known_values(self, request) -> list[str]:
        raise NotImplementedError

    def lookups(self, request, model_admin):
        values = list(self.known_values(request))
        if self.value() and self.value() not in values:
            values.append(self.value())
        return [(value, value) for value in values]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


def admin_link(model_label: str, pk: object, text: object) -> str:
    """A link to the admin page of `app_label.model` row `pk`, or just the text if no pk."""
    if pk is None:
        return "—"
    app_label, model = model_label.lower().split(".")
    url = reverse(f"admin:{app_label}_{model}_change", args=[str(pk)])
    return format_html('<a href="{}">{}</a>', url, text)
