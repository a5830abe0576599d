"""Workflow action views (case page and change list): bind one form, build one command,
call its service; a refusal becomes a message saying why and who may act instead."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases.admin.case_actions import _back, _form_errors, _require, _run
from cases.admin.workflow.forms import ApproveForm, AssignForm, ProposeForm, ReturnForm
from cases.core.requests import new_request_id
from cases.models import Case
from cases.selectors import get_case
from cases.workflow.commands import (
    ApproveDecision,
    AssignCase,
    ClaimNextCase,
    ProposeDecision,
    ReturnDecision,
)
from cases.workflow.services import (
    approve_decision,
    assign_case,
    claim_next_case,
    propose_decision,
    return_decision,
)

__all__ = [
    "approve_view",
    "assign_view",
    "claim_next_view",
    "propose_view",
    "return_view",
]


def _act(
    request: HttpRequest,
    object_id: str,
    form_class,
    run,
    done,
    *,
    anchor: str = "workflow",
    **form_kwargs,
):
    """Bind the form, run the command its data builds, say what happened, back to the panel
    (`anchor`; the Risk panel's actions share this shape).

    `run(case, data, who)` calls the service; `who` holds the fields every workflow command
    takes from the request (actor, expected version, request id)."""
    _require(request, "cases.change_case")
    case = get_case(object_id)
    form = form_class(request.POST, version=case.version, **form_kwargs)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case.pk, anchor)
    data = form.cleaned_data
    who = {
        "actor": request.user.get_username(),
        "expected_version": data["expected_version"],
        "request_id": data["request_id"],
    }
    _run(request, lambda: run(case, data, who), done(data))
    return _back(case.pk, anchor)


@require_POST
def assign_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    wanted = request.POST.get("assignee", "")
    return _act(
        request,
        object_id,
        AssignForm,
        lambda case, data, who: assign_case(
            AssignCase(case_id=case.pk, assignee=data["assignee"] or None, **who)
        ),
        lambda data: (
            f"Case assigned to {data['assignee']}." if data["assignee"] else "Case unassigned."
        ),
        choices=[(wanted, wanted)] if wanted else [],
    )


@require_POST
def propose_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    return _act(
        request,
        object_id,
        ProposeForm,
        lambda case, data, who: propose_decision(
            ProposeDecision(
                case_id=case.pk, decision=data["decision"], rationale=data["rationale"], **who
            )
        ),
        lambda data: f"{data['decision']} proposed; a second person must approve it.",
    )


@require_POST
def approve_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    return _act(
        request,
        object_id,
        ApproveForm,
        lambda case, data, who: approve_decision(
            ApproveDecision(case_id=case.pk, comment=data["comment"], **who)
        ),
        lambda data: "Decision approved.",
    )


@require_POST
def return_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    return _act(
        request,
        object_id,
        ReturnForm,
        lambda case, data, who: return_decision(
            ReturnDecision(case_id=case.pk, reason=data["reason"], **who)
        ),
        lambda data: "Decision returned to review.",
    )


@require_POST
def claim_next_view(request: HttpRequest) -> HttpResponseRedirect:
    """The change list's "Claim next case" button: opens the claimed case, or says none is left."""
    _require(request, "cases.change_case")
    claimed: list[Case] = []
    ok = _run(
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
