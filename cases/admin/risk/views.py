"""Risk panel actions: bind one form, build one override command, call its service; a refusal
becomes a message saying why (four eyes, not a lead, an override already pending, a stale
page). Permissions are checked here and again by the services."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path
from django.views.decorators.http import require_POST

from cases.admin.risk.forms import ApproveOverrideForm, ProposeOverrideForm, ReturnOverrideForm
from cases.admin.risk.panel import PREFIX
from cases.admin.workflow.views import _act
from cases.risk import services as risk_services
from cases.risk.commands import ApproveRiskOverride, ProposeRiskOverride, ReturnRiskOverride

__all__ = ["approve_override_view", "propose_override_view", "return_override_view", "risk_urls"]

ANCHOR = "risk"


def _override(request: HttpRequest, object_id: str, form_class, run, done):
    """The workflow panel's action shape, on the Risk panel's forms (prefix "risk")."""
    return _act(request, object_id, form_class, run, done, anchor=ANCHOR, prefix=PREFIX)


@require_POST
def propose_override_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    return _override(
        request,
        object_id,
        ProposeOverrideForm,
        lambda case, data, who: risk_services.propose_override(
            ProposeRiskOverride(
                case_id=case.pk, level=data["level"], rationale=data["rationale"], **who
            )
        ),
        lambda data: (
            f"Override to {data['level']} proposed; a lead other than you must approve it."
        ),
    )


@require_POST
def approve_override_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    return _override(
        request,
        object_id,
        ApproveOverrideForm,
        lambda case, data, who: risk_services.approve_override(
            ApproveRiskOverride(case_id=case.pk, **who)
        ),
        lambda data: "Risk override approved: the case has the new level.",
    )


@require_POST
def return_override_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    return _override(
        request,
        object_id,
        ReturnOverrideForm,
        lambda case, data, who: risk_services.return_override(
            ReturnRiskOverride(case_id=case.pk, reason=data["reason"], **who)
        ),
        lambda data: "Risk override returned; the computed level stands.",
    )


def risk_urls(wrap) -> list:
    """The panel's URLs, to be listed before the workflow's (`<path:object_id>/approve/` would
    swallow `.../risk/override/approve/`)."""
    return [
        path(
            f"<path:object_id>/risk/override/{name}/",
            wrap(view),
            name=f"cases_case_risk_{name}",
        )
        for name, view in (
            ("propose", propose_override_view),
            ("approve", approve_override_view),
            ("return", return_override_view),
        )
    ]
