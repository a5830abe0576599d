"""The case page's Risk panel (SPEC §3d): the level with the factors that made it, the model
version that rated it, and the four-eyes override.

What the panel offers comes from the same pure checks the override services apply, so a
proposer reads why they cannot approve their own override instead of a button that fails;
the services check again on submit, because the page may be stale by then.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html

from cases.admin.risk.forms import ApproveOverrideForm, ProposeOverrideForm, ReturnOverrideForm
from cases.admin.workflow.panel import actor_of
from cases.core.errors import NotAllowed
from cases.models import Case
from cases.workflow import authorisation as auth
from cases.workflow.rules import LEAD_GROUP

__all__ = ["RiskFactorRow", "factor_rows", "risk_badge", "risk_context"]

PREFIX = "risk"  # the views bind the same prefix
# The override handlers refuse these (cases.risk.handlers); an APPROVED client may still be
# re-rated by hand, e.g. on news between two reviews.
FINAL_RISK_STATUSES = ("REJECTED", "CLOSED")


@dataclass(frozen=True)
class RiskFactorRow:
    factor: str
    detail: str
    points: int


def risk_badge(level: str | None) -> str:
    """The level as the coloured badge lists and pages share; a dash before the first rating."""
    if not level:
        return "—"
    return format_html(
        '<span class="casemgmt-status casemgmt-risk casemgmt-risk-{}">{}</span>',
        level.lower(),
        level,
    )


def factor_rows(factors: list[dict] | None) -> list[RiskFactorRow]:
    """The rating's factors, heaviest first (ties by name), as the panel lists them."""
    rows = [
        RiskFactorRow(
            str(f.get("factor", "")), str(f.get("detail", "") or ""), int(f.get("points") or 0)
        )
        for f in factors or []
    ]
    return sorted(rows, key=lambda row: (-row.points, row.factor, row.detail))


def _propose_refusal(case: Case, actor: auth.Actor, may_change: bool) -> str:
    """Why this user is offered no override form, or "" when they may propose one."""
    if not may_change:
        return "You may view the risk rating but not override it (needs cases.change_case)."
    if case.status in FINAL_RISK_STATUSES:
        return f"The case is {case.status}: its risk level is final."
    if not actor.is_analyst:
        return (
            "Only members of the analyst or lead groups may propose an override; "
            f"{actor.username} is neither."
        )
    if case.risk_level is None:
        return "Not rated yet: an override needs a computed level to replace."
    if case.risk_override:
        return "An override is already awaiting approval; it must be approved or returned first."
    computed = (case.risk_overridden or {}).get("computed_level") or case.risk_level
    if computed == "PROHIBITED":
        return (
            "A PROHIBITED rating follows from the risk model (a prohibited country or sector, a "
            "confirmed sanctions match) and cannot be overridden; only REJECTED remains."
        )
    return ""


def risk_context(case: Case, user, *, can_change_case: bool) -> dict:
    """The panel's context: the rating, the override state and what this user may do."""
    actor = actor_of(user)
    context: dict = {
        "risk_factors": factor_rows(case.risk_factors),
        "risk_pending": case.risk_override,
        "risk_overridden": case.risk_overridden,
    }
    refusal = _propose_refusal(case, actor, can_change_case)
    if refusal:
        context["risk_propose_refusal"] = refusal
    else:
        context["risk_propose_form"] = ProposeOverrideForm(
            version=case.version, current_level=case.risk_level, prefix=PREFIX
        )
    pending = case.risk_override
    if pending and can_change_case:
        try:
            auth.check_may_approve(
                actor,
                proposed_by=pending.get("proposed_by", ""),
                approval_group=pending.get("approval_group") or LEAD_GROUP,
            )
        except NotAllowed as exc:
            context["risk_approval_refusal"] = str(exc)
        else:
            context["risk_approve_form"] = ApproveOverrideForm(version=case.version, prefix=PREFIX)
            context["risk_return_form"] = ReturnOverrideForm(version=case.version, prefix=PREFIX)
    return context
