"""Who may do what in the workflow (SPEC §3a, STYLE "Workflow authorisation"). Pure.

Roles are plain data resolved by the service from django.contrib.auth groups. A lead counts
as an analyst, a superuser as a member of every group, but the four-eyes rule binds everyone:
nobody approves or returns their own proposal, superusers included. Every refusal says who may
act instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cases.core.errors import NotAllowed
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP

__all__ = [
    "USER_PREFIX",
    "Actor",
    "username_of",
    "check_may_approve",
    "check_may_assign",
    "check_may_claim",
    "check_may_propose",
]


USER_PREFIX = "USER:"


def username_of(actor: str) -> str:
    """Callers may name the user as the API and admin write actors (`USER:alice`) or plainly."""
    return actor.removeprefix(USER_PREFIX)


@dataclass(frozen=True)
class Actor:
    username: str
    groups: frozenset[str] = field(default_factory=frozenset)
    is_superuser: bool = False

    @property
    def event_actor(self) -> str:
        """The `metadata.actor` of the events this user causes, as the API and admin write it."""
        return f"{USER_PREFIX}{self.username}"

    def member_of(self, group: str) -> bool:
        """Leads count as analysts: whatever analysts may approve, their lead may too."""
        if self.is_superuser or group in self.groups:
            return True
        return group == ANALYST_GROUP and LEAD_GROUP in self.groups

    def member_groups(self) -> frozenset[str] | None:
        """Every group this user counts as a member of; None for a superuser (all of them)."""
        if self.is_superuser:
            return None
        return self.groups | ({ANALYST_GROUP} if LEAD_GROUP in self.groups else set())

    @property
    def is_lead(self) -> bool:
        return self.member_of(LEAD_GROUP)

    @property
    def is_analyst(self) -> bool:
        return self.member_of(ANALYST_GROUP)


def check_may_claim(actor: Actor) -> None:
    if not actor.is_analyst:
        raise NotAllowed(
            f"{actor.username} is not in {ANALYST_GROUP!r} or {LEAD_GROUP!r}; "
            "only analysts take cases"
        )


def check_may_assign(
    actor: Actor, *, current: str | None, assignee: Actor | None, assignee_name: str | None
) -> None:
    """A lead assigns anyone to anything; an analyst takes an unassigned case or lets go of
    their own. Whoever receives a case must be able to work it."""
    if assignee_name is not None and (assignee is None or not assignee.is_analyst):
        raise NotAllowed(f"{assignee_name} is not an active analyst and cannot be given cases")
    if actor.is_lead:
        return
    check_may_claim(actor)
    taking = assignee_name == actor.username and current is None
    releasing = assignee_name is None and current == actor.username
    if not (taking or releasing):
        raise NotAllowed(
            f"only a member of {LEAD_GROUP!r} may give a case to someone else or take it from "
            f"its assignee; {actor.username} may take unassigned cases and release their own"
        )


def check_may_propose(actor: Actor, *, assignee: str | None) -> None:
    if assignee != actor.username:
        owner = f"its assignee {assignee}" if assignee else "its assignee (claim it first)"
        raise NotAllowed(f"only {owner} may propose a decision on this case")


def check_may_approve(actor: Actor, *, proposed_by: str, approval_group: str) -> None:
    """Approve or return: a member of the approving group who did not make the proposal."""
    if actor.username == proposed_by:
        raise NotAllowed(
            f"four eyes: {proposed_by} proposed this decision and cannot approve or return it; "
            f"another member of {approval_group!r} must"
        )
    if not actor.member_of(approval_group):
        raise NotAllowed(
            f"only members of {approval_group!r} may approve or return this decision; "
            f"{actor.username} is not one"
        )
