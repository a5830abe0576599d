"""The case page's Screening panel: per party, the latest screening per list and each hit with
what this user may do about it (from the same checks the services apply)."""

from __future__ import annotations

from dataclasses import dataclass

from cases.admin.screening.forms import (
    ApproveHitForm,
    RescreenForm,
    ResolveHitForm,
    ReturnHitForm,
)
from cases.admin.workflow.panel import actor_of
from cases.core.errors import NotAllowed
from cases.core.lifecycle import is_final_case_status
from cases.models import Case, ScreeningHit
from cases.selectors import ScreenedParty, get_case_screening
from cases.workflow import authorisation as auth

__all__ = ["HitRow", "PartyPanel", "screening_context"]

VIEW_PERMISSION = "cases.view_screeninghit"
RESOLVE_PERMISSION = "cases.resolve_screeninghit"
NO_PERMISSION = "You may view hits but not resolve them (needs cases.resolve_screeninghit)."


@dataclass(frozen=True)
class HitRow:
    hit: ScreeningHit
    features: list[tuple[str, float]]  # strongest first
    resolve_form: ResolveHitForm | None = None
    approve_form: ApproveHitForm | None = None
    return_form: ReturnHitForm | None = None
    refusal: str = ""  # why this user is offered no action on an unresolved hit


@dataclass(frozen=True)
class PartyPanel:
    party: ScreenedParty
    rows: list[HitRow]


def _row(hit: ScreeningHit, case: Case, actor: auth.Actor, may_resolve: bool) -> HitRow:
    features = sorted((hit.features or {}).items(), key=lambda item: (-item[1], item[0]))
    if hit.status not in ("OPEN", "MATCH_PROPOSED"):
        return HitRow(hit, features)
    if not may_resolve:
        return HitRow(hit, features, refusal=NO_PERMISSION)
    prefix = f"hit-{hit.pk}"
    if hit.status == "OPEN":
        return HitRow(
            hit, features, resolve_form=ResolveHitForm(version=case.version, prefix=prefix)
        )
    proposal = hit.resolution or {}
    try:
        auth.check_may_approve(
            actor,
            proposed_by=proposal.get("proposed_by", ""),
            approval_group=proposal.get("approval_group", ""),
        )
    except NotAllowed as refusal:
        return HitRow(hit, features, refusal=str(refusal))
    return HitRow(
        hit,
        features,
        approve_form=ApproveHitForm(version=case.version, prefix=prefix),
        return_form=ReturnHitForm(version=case.version, prefix=prefix),
    )


def screening_context(case: Case, user, *, can_change_case: bool) -> dict:
    """The panel's context; empty (no panel) for a user who may not view hits."""
    if not user.has_perm(VIEW_PERMISSION):
        return {}
    screening = get_case_screening(case.pk)
    actor = actor_of(user)
    may_resolve = user.has_perm(RESOLVE_PERMISSION)
    may_rescreen = (
        can_change_case
        and actor.is_analyst
        and (case.status == "APPROVED" or not is_final_case_status(case.status))
    )
    return {
        "screening": screening,
        "screening_parties": [
            PartyPanel(party, [_row(hit, screening.case, actor, may_resolve) for hit in party.hits])
            for party in screening.parties
        ],
        "rescreen_form": RescreenForm(version=case.version) if may_rescreen else None,
    }
