"""The retention delete: the only way evidence bytes go; the metadata stays with why (§5a)."""

from __future__ import annotations

import pytest

from cases.core.errors import EvidenceDeleted, InvalidCommand
from cases.documents.commands import UpdateDocumentStatus
from cases.evidence.services import decide_document, delete_evidence, open_evidence
from cases.evidence.storage import evidence_storage
from cases.models import StoredEvent
from tests.evidence_files import pdf, png
from tests.integration.evidence.conftest import stored_counts, upload

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def deletions(requirement_id) -> list[StoredEvent]:
    return list(
        StoredEvent.objects.filter(aggregate_id=requirement_id, event_type="EvidenceFileDeleted")
    )


def test_deleting_removes_the_bytes_and_keeps_the_metadata_with_who_and_why(requirement):
    v1 = upload(requirement.id, pdf(padding=600 * 1024))
    v2 = upload(requirement.id, png())

    row = delete_evidence(requirement.id, 1, "retention period over (5 years)", "system:retention")

    assert (row.deleted_reason, row.deleted_by) == (
        "retention period over (5 years)",
        "system:retention",
    )
    assert row.deleted_at is not None
    assert (row.sha256, row.size, row.storage_name) == (v1.sha256, v1.size, v1.storage_name)
    assert not evidence_storage().exists(v1.storage_name)
    assert evidence_storage().exists(v2.storage_name)
    assert stored_counts()[0] == 1
    [event] = deletions(requirement.id)
    assert event.payload["reason"] == "retention period over (5 years)"
    with pytest.raises(EvidenceDeleted, match="retention period over"):
        open_evidence(requirement.id, 1, "USER:carol", "VIEW")
    with pytest.raises(InvalidCommand, match="not a stored version; versions: 2"):
        decide_document(
            UpdateDocumentStatus(requirement.id, "VERIFIED_MANUAL", "USER", "b", file_version=1)
        )


def test_a_retried_delete_adds_nothing_and_a_delete_needs_a_reason(requirement):
    upload(requirement.id, pdf())
    with pytest.raises(InvalidCommand, match="must say why"):
        delete_evidence(requirement.id, 1, "  ", "system:retention")
    delete_evidence(requirement.id, 1, "client asked for erasure", "USER:dpo")
    again = delete_evidence(requirement.id, 1, "client asked for erasure", "USER:dpo")

    assert again.deleted_reason == "client asked for erasure"
    assert len(deletions(requirement.id)) == 1
    assert stored_counts() == (0, 0)
