"""Client pages (SPEC §3b): who the client is and all its cases, newest first."""

from __future__ import annotations

from django.contrib import admin

from cases.admin.parties import _table
from cases.admin.readonly import KnownValuesFilter, ReadOnlyAdminMixin, admin_link
from cases.models import Client
from cases.selectors import get_client_detail

__all__ = ["ClientAdmin"]


class TraitementFilter(KnownValuesFilter):
    title = "traitement type"
    parameter_name = "traitement_type"
    field = "traitement_type"

    def known_values(self, request) -> list[str]:
        return ["KYC", "KYB"]


@admin.register(Client)
class ClientAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("client_id", "display_name", "traitement_type", "open_case", "last_event_at")
    # Indexed filters only (`client_traitement`, `client_open`); exact client id search
    # (unique index).
    list_filter = (TraitementFilter, "has_open_case")
    search_fields = ("=client_id",)
    ordering = ("client_id",)
    fields = (
        "client_id",
        "display_name",
        "traitement_type",
        "open_case",
        "first_seen",
        "last_event_at",
        "cases_of_client",
    )
    readonly_fields = fields

    @admin.display(description="Open case")
    def open_case(self, obj: Client) -> str:
        if obj.open_case_id is None:
            return "—"
        return admin_link("cases.case", obj.open_case_id, str(obj.open_case_id)[:8])

    @admin.display(description="Cases")
    def cases_of_client(self, obj: Client) -> str:
        cases = get_client_detail(obj.client_id).cases
        return _table(
            ("Case", "Status", "Opened", "Last change"),
            [
                (
                    admin_link("cases.case", c.pk, f"{c.case_type} · {str(c.pk)[:8]}"),
                    c.status,
                    c.created_at.strftime("%Y-%m-%d"),
                    c.updated_at.strftime("%Y-%m-%d %H:%M"),
                )
                for c in cases
            ],
        )
