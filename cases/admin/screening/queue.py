"""The "Unresolved hits" queue: hits OPEN or awaiting a lead, oldest first, across cases.

Read-only; every row links to its case page, where the hit is resolved. The list and its one
filter run on the `screenhit_status` index (status, raised_at).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from cases.admin.readonly import ReadOnlyAdminMixin
from cases.core.errors import NotFound
from cases.models import ScreeningHit
from cases.selectors import get_hit, list_hit_queue

__all__ = ["ScreeningHitAdmin", "UnresolvedStatusFilter"]


class UnresolvedStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("OPEN", "Open"), ("MATCH_PROPOSED", "True match proposed (awaiting a lead)")]

    def queryset(self, request, queryset):
        return list_hit_queue(status=self.value()) if self.value() else queryset


def hit_url(hit: ScreeningHit) -> str:
    """The hit on its case page (the Screening panel)."""
    return f"{reverse('admin:cases_case_change', args=[hit.case_id])}#hit-{hit.pk}"


@admin.register(ScreeningHit)
class ScreeningHitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "entity",
        "party_type",
        "dataset",
        "list_version",
        "score",
        "topic_list",
        "status",
        "raised_at",
    )
    list_filter = (UnresolvedStatusFilter,)
    ordering = ("raised_at", "id")

    def get_queryset(self, request: HttpRequest):
        return list_hit_queue()

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return super().changelist_view(
            request, {"title": "Unresolved hits", **(extra_context or {})}
        )

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        """A hit is read and resolved on its case page."""
        if not self.has_view_permission(request):
            return super().change_view(request, object_id, form_url, extra_context)
        try:
            return HttpResponseRedirect(hit_url(get_hit(object_id)))
        except NotFound:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)

    @admin.display(description="list entity")
    def entity(self, hit: ScreeningHit) -> str:
        return format_html('<a href="{}">{}</a>', hit_url(hit), hit.caption)

    @admin.display(description="topics")
    def topic_list(self, hit: ScreeningHit) -> str:
        return ", ".join(hit.topics or []) or "—"
