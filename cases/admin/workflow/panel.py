"""The case page's workflow panel: what this user may do, from the same pure checks the
services apply (so the proposer reads why they cannot approve instead of a failing button)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from cases.admin.workflow.forms import (
    ApproveForm,
    AssignForm,
    ProposeForm,
    ReturnForm,
    analyst_choices,
)
from cases.core.errors import NotAllowed
from cases.core.lifecycle import ACTIVE_CASE_STATUSES
from cases.models import Case
from cases.workflow import authorisation as auth
from cases.workflow.services import resolve_actor

__all__ = ["DueDate", "actor_of", "due_badge", "workflow_context"]


def actor_of(user) -> auth.Actor:
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
    actor = actor_of(user)
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
