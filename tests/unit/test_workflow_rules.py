"""ApprovalRule and SlaRule matching (SPEC §3a): the most specific active rule wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cases.workflow.rules import (
    DEFAULT_APPROVAL_RULES,
    DEFAULT_SLA_RULES,
    ApprovalRuleData,
    approval_group_for,
    due_at_for,
)

OPENED = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_default_approvers_are_analysts_and_leads_for_enhanced_due_diligence():
    assert approval_group_for(DEFAULT_APPROVAL_RULES, "KYC", "INDIVIDUAL_STANDARD") == (
        "Compliance analyst"
    )
    assert approval_group_for(DEFAULT_APPROVAL_RULES, "kyb", "enhanced_due_diligence") == (
        "Compliance lead"
    )


def test_without_any_rule_the_analysts_approve():
    assert approval_group_for([], "KYB", "COMPANY_STANDARD") == "Compliance analyst"


def test_a_rule_naming_the_case_type_beats_one_naming_the_traitement():
    rules = [
        ApprovalRuleData("KYB", "", "KYB desk", rule_id=1),
        ApprovalRuleData("", "COMPANY_STANDARD", "Standard desk", rule_id=2),
        ApprovalRuleData("KYB", "COMPANY_STANDARD", "KYB standard desk", rule_id=3),
    ]
    assert approval_group_for(rules, "KYB", "COMPANY_STANDARD") == "KYB standard desk"
    assert approval_group_for(rules[:2], "KYB", "COMPANY_STANDARD") == "Standard desk"
    assert approval_group_for(rules[:1], "KYB", "COMPANY_STANDARD") == "KYB desk"
    assert approval_group_for(rules, "KYC", "INDIVIDUAL_STANDARD") == "Compliance analyst"


def test_default_due_dates_are_five_ten_and_twenty_days():
    assert due_at_for(DEFAULT_SLA_RULES, "KYC", "INDIVIDUAL_STANDARD", OPENED) == (
        OPENED + timedelta(days=5),
        5,
    )
    assert due_at_for(DEFAULT_SLA_RULES, "KYB", "COMPANY_STANDARD", OPENED)[1] == 10
    assert due_at_for(DEFAULT_SLA_RULES, "KYB", "ENHANCED_DUE_DILIGENCE", OPENED)[1] == 20
    assert due_at_for(DEFAULT_SLA_RULES, "KYC", "ENHANCED_DUE_DILIGENCE", OPENED)[1] == 20


def test_a_case_no_sla_rule_matches_has_no_due_date():
    assert due_at_for(DEFAULT_SLA_RULES[:1], "KYB", "COMPANY_STANDARD", OPENED) == (None, None)
