"""Fixtures for the integration tests."""

import pytest

from cases.models import DocumentRule
from cases.rules import seed_document_rules


@pytest.fixture
def document_rules() -> None:
    """The seeded default rules; the test database is emptied between tests."""
    seed_document_rules(DocumentRule)
