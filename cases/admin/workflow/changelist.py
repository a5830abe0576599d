"""The case list's workflow: the analyst's queues and the confirmed bulk assignment."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse

from cases.admin.case_actions import DOMAIN_ERRORS
from cases.admin.workflow.forms import AssignSelectedForm
from cases.admin.workflow.panel import actor_of
from cases.core.errors import (
    ConcurrencyConflict,
    VersionConflict,
)
from cases.selectors import list_awaiting_approval, list_cases
from cases.selectors.risk_overview import list_cases_due_for_review, list_high_risk_cases
from cases.workflow.commands import AssignCase
from cases.workflow.services import assign_case

__all__ = ["QueueFilter", "assign_selected"]


class QueueFilter(admin.SimpleListFilter):
    """The analyst's queues; each is an indexed selector (`case_assignee`, `case_awaiting`,
    `case_due`; the risk queues `case_risk` and the clients' next review date, SPEC §3d)."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("mine", "My cases"),
            ("awaiting", "Awaiting my approval"),
            ("overdue", "Overdue"),
            ("high_risk", "High risk"),
            ("reviews_due", "Reviews due in 30 days"),
        ]

    def queryset(self, request, queryset):
        username = request.user.get_username()
        if self.value() == "mine":
            return queryset & list_cases(assignee=username)
        if self.value() == "awaiting":
            groups = actor_of(request.user).member_groups()
            return queryset & list_awaiting_approval(username=username, groups=groups)
        if self.value() == "overdue":
            return queryset & list_cases(overdue=True)
        if self.value() == "high_risk":
            return queryset & list_high_risk_cases()
        if self.value() == "reviews_due":
            return queryset & list_cases_due_for_review()
        return queryset


@admin.action(description="Assign selected cases…", permissions=["change"])
def assign_selected(modeladmin, request: HttpRequest, queryset):
    """Asks for the assignee first (a confirmation page); then one AssignCase per case."""
    if "apply" in request.POST:
        form = AssignSelectedForm(request.POST)
        if form.is_valid():
            assignee = form.cleaned_data["assignee"] or None
            done = refused = 0
            for case in queryset:
                command = AssignCase(case.pk, assignee, request.user.get_username())
                try:
                    assign_case(command)
                    done += 1
                except (VersionConflict, ConcurrencyConflict, *DOMAIN_ERRORS) as exc:
                    refused += 1
                    messages.error(request, f"{case.client_id}: refused: {exc}")
            if done:
                messages.success(request, f"{done} case(s) assigned to {assignee or 'nobody'}.")
            return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": "Assign cases",
        "cases": list(queryset[:200]),
        "form": AssignSelectedForm(),
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/cases/case/assign_selected.html", context)
