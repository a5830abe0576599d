"""The workflow in the back office (SPEC §3a): who owns a case, the four-eyes decision, dates.

Forms and views in the case page's style (`case_actions`): each view binds one form, builds one
workflow command and calls its service; a refusal comes back as a message that says why and
who may act instead. What the page offers comes from the same pure checks the services apply,
so the proposer sees why they cannot approve instead of an approve button that fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.admin.case_actions import STALE, _back, _form_errors, _require
from cases.admin.forms import _CommandForm
from cases.commands import new_request_id
from cases.errors import (
    CaseNotActive,
    ConcurrencyConflict,
    DecisionRefused,
    IllegalTransition,
    InvalidCommand,
    NoCaseAvailable,
    NotAllowed,
    NotFound,
    VersionConflict,
)
from cases.lifecycle import ACTIVE_CASE_STATUSES
from cases.models import Case
from cases.selectors import get_case, list_awaiting_approval, list_cases
from cases.workflow import authorisation as auth
from cases.workflow.commands import (
    ApproveDecision,
    AssignCase,
    ClaimNextCase,
    ProposeDecision,
    ReturnDecision,
)
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP
from cases.workflow.services import (
    approve_decision,
    assign_case,
    claim_next_case,
    propose_decision,
    resolve_actor,
    return_decision,
)

__all__ = [
    "QueueFilter",
    "approve_view",
    "assign_selected",
    "assign_view",
    "claim_next_view",
    "due_badge",
    "propose_view",
    "return_view",
    "workflow_context",
]

REFUSALS = (
    NotAllowed,
    CaseNotActive,
    DecisionRefused,
    IllegalTransition,
    InvalidCommand,
    NotFound,
    NoCaseAvailable,
)


def analyst_choices() -> list[tuple[str, str]]:
    """Everyone who can be given a case: active members of the analyst or lead group."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[ANALYST_GROUP, LEAD_GROUP])
        .order_by("username")
        .values_list("username", flat=True)
    )
    return [(name, name) for name in dict.fromkeys(users)]


# --- Forms -----------------------------------------------------------------------------------


class AssignForm(_CommandForm):
    assignee = forms.ChoiceField(label="Assign to", required=False)

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "— nobody —"), *choices]


class ProposeForm(_CommandForm):
    decision = forms.ChoiceField(choices=[("APPROVED", "APPROVED"), ("REJECTED", "REJECTED")])
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ApproveForm(_CommandForm):
    comment = forms.CharField(required=False, max_length=2000)


class ReturnForm(_CommandForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


# --- The case page's workflow panel -----------------------------------------------------------


def _actor_of(user) -> auth.Actor:
    """The user's workflow roles; someone in no group gets an Actor that may do nothing."""
    return resolve_actor(user.get_username()) or auth.Actor(user.get_username())


@dataclass(frozen=True)
class DueDate:
    due_at: object
    overdue: bool


def due_badge(case: Case) -> DueDate | None:
    if case.due_at is None:
        return None
    late = case.status in ACTIVE_CASE_STATUSES and case.due_at < timezone.now()
    return DueDate(case.due_at, late)


def _assign_choices(actor: auth.Actor, case: Case) -> list[tuple[str, str]]:
    """What this user may do with the assignee: a lead anyone, an analyst take or release."""
    if actor.is_lead:
        return analyst_choices()
    if actor.is_analyst and case.assignee is None:
        return [(actor.username, f"me ({actor.username})")]
    return []


def workflow_context(case: Case, user, *, can_change_case: bool) -> dict:
    actor = _actor_of(user)
    active = case.status in ACTIVE_CASE_STATUSES
    context: dict = {"due": due_badge(case), "pending": case.pending_decision}
    if not (can_change_case and active):
        return context
    choices = _assign_choices(actor, case)
    if choices or case.assignee == actor.username:
        context["assign_form"] = AssignForm(
            version=case.version, choices=choices, initial={"assignee": case.assignee or ""}
        )
    if case.status == "IN_REVIEW" and case.assignee == actor.username:
        context["propose_form"] = ProposeForm(version=case.version)
    pending = case.pending_decision
    if case.status == "PENDING_APPROVAL" and pending:
        try:
            auth.check_may_approve(
                actor, proposed_by=pending["proposed_by"], approval_group=pending["approval_group"]
            )
        except NotAllowed as refusal:
            context["approval_refusal"] = str(refusal)
        else:
            context["approve_form"] = ApproveForm(version=case.version)
            context["return_form"] = ReturnForm(version=case.version)
    return context


# --- Views -----------------------------------------------------------------------------------


def _call(request: HttpRequest, call, done: str) -> bool:
    try:
        call()
    except (VersionConflict, ConcurrencyConflict):
        messages.error(request, STALE)
        return False
    except REFUSALS as exc:
        messages.error(request, f"Refused: {exc}")
        return False
    messages.success(request, done)
    return True


def _bound(request: HttpRequest, form_class, case: Case, **kwargs):
    form = form_class(request.POST, version=case.version, **kwargs)
    if not form.is_valid():
        _form_errors(request, form)
        return None
    return form.cleaned_data


@require_POST
def assign_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    _require(request, "cases.change_case")
    case = get_case(object_id)
    wanted = request.POST.get("assignee", "")
    data = _bound(request, AssignForm, case, choices=[(wanted, wanted)] if wanted else [])
    if data is not None:
        assignee = data["assignee"] or None
        _call(
            request,
            lambda: assign_case(
                AssignCase(
                    case_id=case.pk,
                    assignee=assignee,
                    actor=request.user.get_username(),
                    expected_version=data["expected_version"],
                    request_id=data["request_id"],
                )
            ),
            f"Case assigned to {assignee}." if assignee else "Case unassigned.",
        )
    return _back(case.pk, "workflow")


@require_POST
def propose_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    _require(request, "cases.change_case")
    case = get_case(object_id)
    data = _bound(request, ProposeForm, case)
    if data is not None:
        _call(
            request,
            lambda: propose_decision(
                ProposeDecision(
                    case_id=case.pk,
                    decision=data["decision"],
                    rationale=data["rationale"],
                    actor=request.user.get_username(),
                    expected_version=data["expected_version"],
                    request_id=data["request_id"],
                )
            ),
            f"{data['decision']} proposed; a second person must approve it.",
        )
    return _back(case.pk, "workflow")


@require_POST
def approve_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    _require(request, "cases.change_case")
    case = get_case(object_id)
    data = _bound(request, ApproveForm, case)
    if data is not None:
        _call(
            request,
            lambda: approve_decision(
                ApproveDecision(
                    case_id=case.pk,
                    comment=data["comment"],
                    actor=request.user.get_username(),
                    expected_version=data["expected_version"],
                    request_id=data["request_id"],
                )
            ),
            "Decision approved.",
        )
    return _back(case.pk, "workflow")


@require_POST
def return_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    _require(request, "cases.change_case")
    case = get_case(object_id)
    data = _bound(request, ReturnForm, case)
    if data is not None:
        _call(
            request,
            lambda: return_decision(
                ReturnDecision(
                    case_id=case.pk,
                    reason=data["reason"],
                    actor=request.user.get_username(),
                    expected_version=data["expected_version"],
                    request_id=data["request_id"],
                )
            ),
            "Decision returned to review.",
        )
    return _back(case.pk, "workflow")


@require_POST
def claim_next_view(request: HttpRequest) -> HttpResponseRedirect:
    """The change list's "Claim next case" button: opens the claimed case, or says none is left."""
    _require(request, "cases.change_case")
    claimed: list[Case] = []
    ok = _call(
        request,
        lambda: claimed.append(
            claim_next_case(
                ClaimNextCase(
                    actor=request.user.get_username(),
                    traitement_type=request.POST.get("traitement_type") or None,
                    request_id=request.POST.get("request_id") or new_request_id(),
                )
            )
        ),
        "Case claimed: it is yours now.",
    )
    if ok:
        return _back(claimed[0].pk, "workflow")
    return HttpResponseRedirect(reverse("admin:cases_case_changelist"))


# --- The change list: queues and the bulk assignment --------------------------------------------


class QueueFilter(admin.SimpleListFilter):
    """The analyst's own queues; each is an indexed selector (`case_assignee`, `case_awaiting`)."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", "My cases"), ("awaiting", "Awaiting my approval"), ("overdue", "Overdue")]

    def queryset(self, request, queryset):
        username = request.user.get_username()
        if self.value() == "mine":
            return queryset & list_cases(assignee=username)
        if self.value() == "awaiting":
            groups = _actor_of(request.user).member_groups()
            return queryset & list_awaiting_approval(username=username, groups=groups)
        if self.value() == "overdue":
            return queryset & list_cases(overdue=True)
        return queryset


class AssignSelectedForm(forms.Form):
    assignee = forms.ChoiceField(label="Assign to", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "— nobody —"), *analyst_choices()]


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
                except (VersionConflict, ConcurrencyConflict, *REFUSALS) as exc:
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
