"""Screening panel actions: bind one form, build one command, call its service; a refusal
becomes a message saying why (the four-eyes rule, a hit resolved meanwhile, a stale page)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.views.decorators.http import require_POST

from cases.admin.case_actions import _back, _form_errors, _require, _run
from cases.admin.screening.forms import (
    ApproveHitForm,
    RescreenForm,
    ResolveHitForm,
    ReturnHitForm,
)
from cases.screening.commands import ApproveHitMatch, ResolveHit, ReturnHitMatch
from cases.screening.services import (
    approve_hit_match,
    rescreen_case,
    resolve_hit,
    return_hit_match,
)
from cases.selectors import get_case, get_hit

__all__ = ["approve_hit_view", "rescreen_view", "resolve_hit_view", "return_hit_view"]

RESOLVE_PERMISSION = "cases.resolve_screeninghit"


def _hit_action(request: HttpRequest, object_id: str, hit_id: str, form_class, run, done):
    """`run(hit, data, who)` calls the service; `who` holds actor, version and request id."""
    _require(request, RESOLVE_PERMISSION)
    case = get_case(object_id)
    hit = get_hit(hit_id)
    if hit.case_id != case.pk:
        raise Http404("this hit belongs to another case")
    form = form_class(request.POST, version=case.version, prefix=f"hit-{hit.pk}")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case.pk, f"hit-{hit.pk}")
    data = form.cleaned_data
    who = {
        "actor": request.user.get_username(),
        "expected_version": data["expected_version"],
        "request_id": data["request_id"],
    }
    _run(request, lambda: run(hit, data, who), done(data))
    return _back(case.pk, f"hit-{hit.pk}")


@require_POST
def resolve_hit_view(request: HttpRequest, object_id: str, hit_id: str) -> HttpResponseRedirect:
    return _hit_action(
        request,
        object_id,
        hit_id,
        ResolveHitForm,
        lambda hit, data, who: resolve_hit(
            ResolveHit(
                hit_id=hit.pk, resolution=data["resolution"], rationale=data["rationale"], **who
            )
        ),
        lambda data: (
            "Hit cleared as a false positive; it will not be raised again for this party "
            "unless the list entity changes."
            if data["resolution"] == "FALSE_POSITIVE"
            else "True match proposed; a lead other than you must approve it."
        ),
    )


@require_POST
def approve_hit_view(request: HttpRequest, object_id: str, hit_id: str) -> HttpResponseRedirect:
    return _hit_action(
        request,
        object_id,
        hit_id,
        ApproveHitForm,
        lambda hit, data, who: approve_hit_match(
            ApproveHitMatch(hit_id=hit.pk, comment=data["comment"], **who)
        ),
        lambda data: "True match approved.",
    )


@require_POST
def return_hit_view(request: HttpRequest, object_id: str, hit_id: str) -> HttpResponseRedirect:
    return _hit_action(
        request,
        object_id,
        hit_id,
        ReturnHitForm,
        lambda hit, data, who: return_hit_match(
            ReturnHitMatch(hit_id=hit.pk, reason=data["reason"], **who)
        ),
        lambda data: "Proposed match returned; the hit is open again.",
    )


@require_POST
def rescreen_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    _require(request, "cases.change_case")
    case = get_case(object_id)
    form = RescreenForm(request.POST, version=case.version)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case.pk, "screening")
    _run(
        request,
        lambda: rescreen_case(
            case.pk, request.user.get_username(), request_id=form.cleaned_data["request_id"]
        ),
        "Screening requested: every party is screened again against every list.",
    )
    return _back(case.pk, "screening")
