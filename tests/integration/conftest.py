"""Fixtures for the integration tests."""

import pytest

from cases.models import DocumentRule
from cases.rules import seed_document_rules


@pytest.fixture
def document_rules() -> None:
    """The seeded default rules; the test database is emptied between tests."""
    seed_document_rules(DocumentRule)


@pytest.fixture
def workflow_rules() -> None:
    """The seeded approval and SLA rules (SPEC §3a) and the CASE_OVERDUE notification rule."""
    from cases.models import ApprovalRule, NotificationRule, SlaRule
    from cases.workflow.rules import seed_workflow_rules

    seed_workflow_rules(ApprovalRule, SlaRule)
    NotificationRule.objects.create(
        trigger="CASE_OVERDUE", notification_type="CASE_OVERDUE", template_id="case_overdue_v1"
    )
