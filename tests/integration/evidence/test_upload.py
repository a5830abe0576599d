"""Uploading evidence against the real database and GridFS (SPEC §5a)."""

from __future__ import annotations

import hashlib

import pytest

from cases.evidence.storage import evidence_storage
from cases.models import DocumentRequirement, EvidenceFile, StoredEvent
from tests.integration.evidence.conftest import stored_counts, upload
from tests.integration.evidence.samples import SAMPLES

METADATA = {
    "requirement_id",
    "case_id",
    "version",
    "sha256",
    "size",
    "content_type",
    "original_name",
    "uploaded_by",
    "issued_on",
    "expires_on",
    "document_number",
    "storage_name",
}

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("content_type", sorted(SAMPLES))
def test_each_allowed_type_is_stored_as_version_one_and_moves_the_requirement_to_uploaded(
    requirement, content_type
):
    data = SAMPLES[content_type](padding=3000)
    row = upload(requirement.id, data, name="C:\\scans\\passport.bin", expires_on="2031-01-31")

    assert (row.version, row.content_type, row.size) == (1, content_type, len(data))
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    assert row.original_name == "passport.bin"
    assert row.uploaded_by == "USER:alice"
    assert str(row.expires_on) == "2031-01-31"
    with evidence_storage().open(row.storage_name) as stored:
        assert stored.read() == data
    requirement.refresh_from_db()
    assert (requirement.status, requirement.current_file_version) == ("UPLOADED", 1)
    types = list(
        StoredEvent.objects.filter(aggregate_id=requirement.id)
        .order_by("version")
        .values_list("event_type", flat=True)
    )
    assert types[-2:] == ["DocumentFileUploaded", "DocumentStatusUpdated"]
    uploaded = StoredEvent.objects.get(
        aggregate_id=requirement.id, event_type="DocumentFileUploaded"
    )
    assert set(uploaded.payload) == METADATA  # never the bytes
    assert EvidenceFile.objects.filter(requirement=requirement).count() == 1
    assert DocumentRequirement.objects.get(pk=requirement.id).history[-1]["file_version"] == 1
    assert stored_counts()[0] == 1
