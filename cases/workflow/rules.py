"""Approval and SLA rules as plain data, and the pure matching both share (SPEC §3a).

The most specific active rule wins: one naming the case type beats one naming only the
traitement type, which beats a catch-all; ties go to the lower id, so the answer is stable.
Matching is case-insensitive, like the document rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

__all__ = [
    "ANALYST_GROUP",
    "DEFAULT_APPROVAL_RULES",
    "DEFAULT_SLA_RULES",
    "LEAD_GROUP",
    "ApprovalRuleData",
    "SlaRuleData",
    "approval_group_for",
    "due_at_for",
    "load_approval_rules",
    "load_sla_rules",
    "seed_workflow_rules",
]

ANALYST_GROUP = "Compliance analyst"
LEAD_GROUP = "Compliance lead"


@dataclass(frozen=True)
class ApprovalRuleData:
    traitement_type: str  # "" = any
    case_type: str  # "" = any
    approver_group: str
    rule_id: int = 0


@dataclass(frozen=True)
class SlaRuleData:
    traitement_type: str
    case_type: str
    days: int
    rule_id: int = 0


DEFAULT_APPROVAL_RULES = (
    ApprovalRuleData("", "", ANALYST_GROUP),
    ApprovalRuleData("", "ENHANCED_DUE_DILIGENCE", LEAD_GROUP),
)
DEFAULT_SLA_RULES = (
    SlaRuleData("KYC", "", 5),
    SlaRuleData("KYB", "", 10),
    SlaRuleData("", "ENHANCED_DUE_DILIGENCE", 20),
)

RuleT = TypeVar("RuleT", ApprovalRuleData, SlaRuleData)


def _best(rules: Sequence[RuleT], traitement_type: str, case_type: str) -> RuleT | None:
    traitement, kind = traitement_type.casefold(), case_type.casefold()
    matching = [
        rule
        for rule in rules
        if rule.traitement_type.casefold() in ("", traitement)
        and rule.case_type.casefold() in ("", kind)
    ]
    if not matching:
        return None
    return min(
        matching,
        key=lambda rule: (not rule.case_type, not rule.traitement_type, rule.rule_id),
    )


def approval_group_for(
    rules: Sequence[ApprovalRuleData], traitement_type: str, case_type: str
) -> str:
    """The approving group; the analysts' group when no rule matches, never nobody."""
    rule = _best(rules, traitement_type, case_type)
    return rule.approver_group if rule else ANALYST_GROUP


def due_at_for(
    rules: Sequence[SlaRuleData], traitement_type: str, case_type: str, opened_at: datetime
) -> tuple[datetime | None, int | None]:
    """(due date, days) counted from when the case was opened; (None, None) without a rule."""
    rule = _best(rules, traitement_type, case_type)
    if rule is None:
        return None, None
    return opened_at + timedelta(days=rule.days), rule.days


def _scoped(model: Any) -> Any:
    return model.objects.filter(is_active=True).order_by("id")


def load_approval_rules() -> list[ApprovalRuleData]:
    from cases.models import ApprovalRule

    return [
        ApprovalRuleData(row.traitement_type, row.case_type, row.approver_group, row.pk)
        for row in _scoped(ApprovalRule)
    ]


def load_sla_rules() -> list[SlaRuleData]:
    from cases.models import SlaRule

    return [
        SlaRuleData(row.traitement_type, row.case_type, row.days, row.pk)
        for row in _scoped(SlaRule)
    ]


def seed_workflow_rules(approval_model: Any, sla_model: Any) -> int:
    """Insert the missing default rules (migration and test fixtures); returns how many."""
    added = 0
    for rule in DEFAULT_APPROVAL_RULES:
        _, created = approval_model.objects.get_or_create(
            traitement_type=rule.traitement_type,
            case_type=rule.case_type,
            defaults={"approver_group": rule.approver_group, "is_active": True},
        )
        added += created
    for rule in DEFAULT_SLA_RULES:
        _, created = sla_model.objects.get_or_create(
            traitement_type=rule.traitement_type,
            case_type=rule.case_type,
            defaults={"days": rule.days, "is_active": True},
        )
        added += created
    return added
