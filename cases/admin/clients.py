"""Client pages (SPEC §3b, §3d): who the client is, its risk level with every change, when it
is next reviewed, and all its cases, newest first."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from cases.admin.parties import _table
from cases.admin.readonly import KnownValuesFilter, ReadOnlyAdminMixin, admin_link
from cases.admin.risk.panel import risk_badge
from cases.models import Client, RiskLevel
from cases.selectors import get_client_detail, list_clients

__all__ = ["ClientAdmin"]


class TraitementFilter(KnownValuesFilter):
    title = "traitement type"
    parameter_name = "traitement_type"
    field = "traitement_type"

    def known_values(self, request) -> list[str]:
        return ["KYC", "KYB"]


class RiskLevelFilter(KnownValuesFilter):
    """Index `client_risk` (risk_level, client_id)."""

    title = "risk level"
    parameter_name = "risk_level"
    field = "risk_level"

    def known_values(self, request) -> list[str]:
        return [level.value for level in RiskLevel]


class ReviewDueFilter(admin.SimpleListFilter):
    """Clients by their next review date (index `client_next_review`), soonest first."""

    title = "next review"
    parameter_name = "review_due"
    WINDOWS = {"overdue": 0, "30": 30, "90": 90}

    def lookups(self, request, model_admin):
        return [("overdue", "Due now"), ("30", "Due in 30 days"), ("90", "Due in 90 days")]

    def queryset(self, request, queryset):
        if self.value() not in self.WINDOWS:
            return queryset
        before = timezone.now() + timedelta(days=self.WINDOWS[self.value()])
        return queryset & list_clients(review_due_before=before)


@admin.register(Client)
class ClientAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "client_id",
        "display_name",
        "traitement_type",
        "risk",
        "next_review_at",
        "open_case",
        "last_event_at",
    )
    # Indexed filters only (`client_traitement`, `client_open`, `client_risk`, next review);
    # exact client id search (unique index).
    list_filter = (TraitementFilter, "has_open_case", RiskLevelFilter, ReviewDueFilter)
    search_fields = ("=client_id",)
    ordering = ("client_id",)
    fields = (
        "client_id",
        "display_name",
        "traitement_type",
        "risk",
        "next_review",
        "open_case",
        "first_seen",
        "last_event_at",
        "risk_history_table",
        "cases_of_client",
    )
    readonly_fields = fields

    @admin.display(description="Risk level")
    def risk(self, obj: Client) -> str:
        return risk_badge(obj.risk_level)

    @admin.display(description="Next review")
    def next_review(self, obj: Client) -> str:
        if obj.next_review_at is None and obj.has_open_case and obj.last_review_case_id:
            return format_html(
                "review in progress: {}",
                admin_link("cases.case", obj.last_review_case_id, "the review case"),
            )
        if obj.next_review_at is None:
            return "— (set when a case of the client is approved)"
        day = obj.next_review_at.strftime("%Y-%m-%d")
        if obj.next_review_at <= timezone.now():
            return f"{day} (due)"
        return day

    @admin.display(description="Risk level history")
    def risk_history_table(self, obj: Client) -> str:
        """Every level change, newest first, with the case that caused it and why."""
        return _table(
            ("When", "From", "To", "Why", "Case"),
            [
                (
                    str(change.get("at", ""))[:16].replace("T", " "),
                    change.get("old") or "unrated",
                    risk_badge(change.get("new")),
                    change.get("reason") or "—",
                    admin_link("cases.case", change.get("case_id"), str(change.get("case_id"))[:8]),
                )
                for change in reversed(obj.risk_history or [])
            ],
        )

    @admin.display(description="Open case")
    def open_case(self, obj: Client) -> str:
        if obj.open_case_id is None:
            return "—"
        return admin_link("cases.case", obj.open_case_id, str(obj.open_case_id)[:8])

    @admin.display(description="Cases")
    def cases_of_client(self, obj: Client) -> str:
        cases = get_client_detail(obj.client_id).cases
        return _table(
            ("Case", "Status", "Risk", "Opened", "Last change"),
            [
                (
                    admin_link("cases.case", c.pk, f"{c.case_type} · {str(c.pk)[:8]}"),
                    c.status,
                    risk_badge(c.risk_level),
                    c.created_at.strftime("%Y-%m-%d"),
                    c.updated_at.strftime("%Y-%m-%d %H:%M"),
                )
                for c in cases
            ],
        )
