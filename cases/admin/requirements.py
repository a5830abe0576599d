"""Document requirement pages: a triage list and a page with the full status history.

Decisions are recorded on the case page (one form per requirement, `case_actions`); this page
links there, so every decision goes through `update_document_status`.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from cases.admin.display import pretty_json
from cases.admin.readonly import KnownValuesFilter, ReadOnlyAdminMixin, admin_link
from cases.models import DocumentRequirement, DocumentRule
from cases.selectors.evidence import list_documents_expiring

__all__ = ["DocumentRequirementAdmin"]


class DocumentTypeFilter(KnownValuesFilter):
    """Document types from the rule table (a few rows), not a distinct over requirements."""

    title = "document type"
    parameter_name = "document_type"
    field = "document_type"

    def known_values(self, request) -> list[str]:
        return sorted(set(DocumentRule.objects.values_list("document_type", flat=True)))


class ExpiringFilter(admin.SimpleListFilter):
    """Verified documents whose file expires in the next N days: the dashboard's tile links
    here; the same selector as its count (`list_documents_expiring`)."""

    title = "expiry"
    parameter_name = "expiring"

    def lookups(self, request, model_admin):
        return [("30", "verified, expiring within 30 days")]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        return queryset & list_documents_expiring(int(self.value()))


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "document_type",
        "entity_type",
        "status",
        "is_required",
        "case_link",
        "expires_on",
        "updated_at",
    )
    # status → index `req_status`; entity_type and type narrow that indexed match; expiry →
    # index `req_status_expiry`.
    list_filter = ("status", "entity_type", DocumentTypeFilter, ExpiringFilter)
    search_fields = ("=entity_id",)  # index `req_entity`
    ordering = ("status", "-updated_at")  # index `req_status`
    fields = (
        "case_link",
        "decide_link",
        "document_type",
        "entity_type",
        "entity_id",
        "is_required",
        "status",
        "version",
        "current_file_version",
        "expires_on",
        "status_history",
        "notes_list",
        "metadata_json",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description="Case")
    def case_link(self, obj: DocumentRequirement) -> str:
        return admin_link("cases.case", obj.case_id, "open case")

    @admin.display(description="Decide")
    def decide_link(self, obj: DocumentRequirement) -> str:
        url = reverse("admin:cases_case_change", args=[str(obj.case_id)])
        return format_html(
            '<a href="{}#req-{}">Record a decision on the case page</a>', url, obj.pk
        )

    @admin.display(description="Status history")
    def status_history(self, obj: DocumentRequirement) -> str:
        rows = [
            (
                str(entry.get("at", ""))[:19],
                entry.get("old_status", ""),
                entry.get("new_status", ""),
                "{type}:{id}".format(**(entry.get("actor") or {"type": "?", "id": "?"})),
                "; ".join(entry.get("notes") or []) or "—",
            )
            for entry in obj.history or []
        ]
        if not rows:
            return "No decisions yet."
        body = format_html_join(
            "",
            '<tr class="history-row"><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>',
            rows,
        )
        return format_html(
            "<table><thead><tr><th>When</th><th>Move</th><th>Who</th><th>Notes</th></tr>"
            "</thead><tbody>{}</tbody></table>",
            body,
        )

    @admin.display(description="Notes")
    def notes_list(self, obj: DocumentRequirement) -> str:
        notes = obj.notes or []
        if not notes:
            return "—"
        return format_html_join(
            "",
            "<p><strong>{}</strong> {}: {}</p>",
            ((n.get("author", ""), str(n.get("at", ""))[:16], n.get("text", "")) for n in notes),
        )

    @admin.display(description="Metadata")
    def metadata_json(self, obj: DocumentRequirement) -> str:
        return pretty_json(obj.metadata or {})
