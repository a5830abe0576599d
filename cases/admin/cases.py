"""Case pages. Read models change only through commands: nothing here saves a case.

The change list triages (indexed filters, no counts past a cap); the case page replaces
Django's change form with a read-only page plus action forms (`case_page`, `case_actions`).
"""

from __future__ import annotations

import functools

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from cases.admin import case_actions, risk, screening, workflow
from cases.admin.case_page import case_page_context
from cases.admin.evidence import panel as evidence_panel
from cases.admin.evidence import views as evidence_views
from cases.admin.readonly import BoundedListMixin, KnownValuesFilter
from cases.core.errors import NotFound
from cases.models import Case, DocumentRule, NotificationRule
from cases.selectors import get_case_detail, get_case_timeline, get_dashboard

__all__ = ["CaseAdmin"]


class CaseTypeFilter(KnownValuesFilter):
    """Case types are free text: offer those the rules and the dashboard already know."""

    title = "case type"
    parameter_name = "case_type__exact"
    field = "case_type"

    def known_values(self, request) -> list[str]:
        known = set(get_dashboard().open_by_case_type)
        for rule_model in (DocumentRule, NotificationRule):
            known.update(
                rule_model.objects.exclude(case_type="").values_list("case_type", flat=True)
            )
        return sorted(known)


def _not_found_as_404(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from None

    return wrapped


@admin.register(Case)
class CaseAdmin(BoundedListMixin, admin.ModelAdmin):
    list_display = (
        "client_id",
        "traitement_type",
        "case_type",
        "risk",
        "status",
        "assignee",
        "due",
        "version",
        "created_at",
    )
    # Each filter is the leading key of an index (`case_status`, `case_traitement`, `case_type`;
    # the queues: `case_assignee`, `case_awaiting`, `case_due`).
    list_filter = (workflow.QueueFilter, "status", "traitement_type", CaseTypeFilter)
    actions = [workflow.assign_selected]
    search_fields = ("=client_id",)  # exact match: index `case_client`
    ordering = ("-created_at", "id")  # index `case_created`
    # No date_hierarchy: its drill-down lists distinct dates over the whole filtered collection.

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(_not_found_as_404(view))

        workflow_urls = [
            path("claim-next/", wrap(workflow.claim_next_view), name="cases_case_claim_next"),
            *(
                path(f"<path:object_id>/{name}/", wrap(view), name=f"cases_case_{name}")
                for name, view in (
                    ("assign", workflow.assign_view),
                    ("propose", workflow.propose_view),
                    ("approve", workflow.approve_view),
                    ("return", workflow.return_view),
                )
            ),
        ]
        screening_urls = [
            path(
                "<path:object_id>/screening/rescreen/",
                wrap(screening.rescreen_view),
                name="cases_case_rescreen",
            ),
            *(
                path(
                    f"<path:object_id>/screening/hits/<str:hit_id>/{name}/",
                    wrap(view),
                    name=f"cases_case_hit_{name}",
                )
                for name, view in (
                    ("resolve", screening.resolve_hit_view),
                    ("approve", screening.approve_hit_view),
                    ("return", screening.return_hit_view),
                )
            ),
        ]
        # Screening and risk first: `<path:object_id>/approve/` of the workflow would swallow
        # a hit's or an override's.
        return [
            *risk.risk_urls(wrap),
            *screening_urls,
            *workflow_urls,
            path(
                "<path:object_id>/status/",
                wrap(case_actions.change_status_view),
                name="cases_case_status",
            ),
            path(
                "<path:object_id>/note/", wrap(case_actions.add_note_view), name="cases_case_note"
            ),
            path(
                "<path:object_id>/determine/",
                wrap(case_actions.determine_view),
                name="cases_case_determine",
            ),
            path(
                "<path:object_id>/requirements/<str:requirement_id>/decide/",
                wrap(case_actions.decide_document_view),
                name="cases_case_decide",
            ),
            path(
                "<path:object_id>/requirements/<str:requirement_id>/files/",
                wrap(evidence_views.upload_evidence_view),
                name="cases_case_evidence_upload",
            ),
            path(
                "<path:object_id>/requirements/<str:requirement_id>/files/<int:version>/",
                wrap(evidence_views.evidence_file_view),
                name="cases_case_evidence_file",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """The list, with the "Claim next case" button for those who may work cases."""
        extra = {"can_claim": self.has_change_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra)

    @admin.display(description="risk")
    def risk(self, case: Case) -> str:
        return risk.risk_badge(case.risk_level)

    @admin.display(description="due")
    def due(self, case: Case) -> str:
        badge = workflow.due_badge(case)
        if badge is None:
            return "—"
        day = badge.due_at.strftime("%Y-%m-%d")
        if badge.overdue:
            return format_html(
                '{} <span class="casemgmt-status casemgmt-overdue">OVERDUE</span>', day
            )
        return day

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        """The read-only case page; GET only (actions post to their own URLs)."""
        if request.method != "GET":
            raise PermissionDenied("the case page does not edit; use its action forms")
        try:
            detail = get_case_detail(object_id)
        except NotFound:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, detail.case):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(detail.case),
            "has_view_permission": True,
            **case_page_context(
                detail,
                get_case_timeline(detail.case.pk),
                now=timezone.now(),
                can_change_case=self.has_change_permission(request, detail.case),
                can_decide=request.user.has_perm("cases.change_documentrequirement"),
                evidence_rights=evidence_panel.EvidenceRights.of(request.user),
            ),
            **workflow.workflow_context(
                detail.case,
                request.user,
                can_change_case=self.has_change_permission(request, detail.case),
            ),
            **screening.screening_context(
                detail.case,
                request.user,
                can_change_case=self.has_change_permission(request, detail.case),
            ),
            **risk.risk_context(
                detail.case,
                request.user,
                can_change_case=self.has_change_permission(request, detail.case),
            ),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/cases/case/case_page.html", context)
