"""Uploading evidence against the real database and GridFS (SPEC §5a)."""

from __future__ import annotations

import hashlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from cases.core.errors import (
    EvidenceTooLarge,
    IllegalTransition,
    InvalidCommand,
    NotFound,
    UnsupportedEvidenceType,
)
from cases.documents.commands import UpdateDocumentStatus
from cases.evidence.services import decide_document, list_versions
from cases.evidence.storage import evidence_storage
from cases.models import DocumentRequirement, EvidenceFile, StoredEvent
from tests.evidence_files import SAMPLES, jpeg, mp4, pdf, png
from tests.integration.evidence.conftest import stored_counts, upload

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


def events_of(requirement_id) -> list[str]:
    return list(
        StoredEvent.objects.filter(aggregate_id=requirement_id)
        .order_by("version")
        .values_list("event_type", flat=True)
    )


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (b"GIF89a\x01\x00\x01\x00" + b"\x00" * 64, "image/gif"),
        (b"just some text, not a document", "application/pdf"),  # the header lies
        (mp4(), "image/heic"),  # ISO BMFF, but a video
        (b"", "application/pdf"),  # empty
    ],
    ids=["gif", "text-declared-pdf", "mp4-declared-heic", "empty"],
)
def test_a_refused_type_is_a_clear_error_and_nothing_is_stored(requirement, data, declared):
    before = events_of(requirement.id)
    with pytest.raises(UnsupportedEvidenceType) as refused:
        upload(requirement.id, data, declared_type=declared)

    assert "accepted types: application/pdf" in str(refused.value)
    assert refused.value.declared == declared
    assert stored_counts() == (0, 0)
    assert events_of(requirement.id) == before
    assert EvidenceFile.objects.count() == 0
    assert DocumentRequirement.objects.get(pk=requirement.id).status == "AWAITING_UPLOAD"


def test_a_file_over_the_size_limit_is_refused_and_its_partial_chunks_are_removed(
    requirement, settings
):
    # Past one write batch (4 chunks of 255 KiB): chunks are in the database when it stops.
    settings.EVIDENCE_MAX_BYTES = 1200 * 1024
    before = events_of(requirement.id)
    with pytest.raises(EvidenceTooLarge) as refused:
        upload(requirement.id, pdf(padding=1600 * 1024))

    assert refused.value.limit == 1200 * 1024
    assert stored_counts() == (0, 0)  # no file document, no orphan chunk
    assert events_of(requirement.id) == before
    # Exactly at the limit is accepted.
    exact = pdf(padding=1100 * 1024)
    settings.EVIDENCE_MAX_BYTES = len(exact)
    assert upload(requirement.id, exact).size == len(exact)


def test_the_sniffed_type_wins_over_the_declared_type_and_the_name(requirement):
    row = upload(requirement.id, png(), name="passport.pdf", declared_type="application/pdf")
    assert row.content_type == "image/png"
    assert row.original_name == "passport.pdf"


def test_a_type_left_out_of_the_settings_is_refused(requirement, settings):
    settings.EVIDENCE_ALLOWED_TYPES = ["application/pdf"]
    with pytest.raises(UnsupportedEvidenceType) as refused:
        upload(requirement.id, jpeg(), declared_type="image/jpeg")
    assert refused.value.detected == "image/jpeg"
    assert stored_counts() == (0, 0)


def test_each_upload_is_a_new_immutable_version_with_its_own_sha256(requirement):
    first, second = pdf(text="first"), pdf(text="second")
    v1 = upload(requirement.id, first)
    decide_document(
        UpdateDocumentStatus(
            requirement.id, "REJECTED", "USER", "bob", file_version=1, reason="blurred"
        )
    )
    v2 = upload(requirement.id, second, name="rescan.pdf")
    v3 = upload(requirement.id, png(), name="extra.png")  # already UPLOADED: no status move

    assert [v.version for v in (v1, v2, v3)] == [1, 2, 3]
    assert v1.sha256 == hashlib.sha256(first).hexdigest() != v2.sha256
    assert len({v.storage_name for v in (v1, v2, v3)}) == 3
    with evidence_storage().open(v1.storage_name) as stored:
        assert stored.read() == first  # the earlier version is untouched
    assert events_of(requirement.id)[-6:] == [
        "DocumentFileUploaded",
        "DocumentStatusUpdated",  # → UPLOADED
        "DocumentStatusUpdated",  # → REJECTED
        "DocumentFileUploaded",
        "DocumentStatusUpdated",  # REJECTED → UPLOADED
        "DocumentFileUploaded",  # v3 only
    ]
    requirement.refresh_from_db()
    assert (requirement.status, requirement.current_file_version) == ("UPLOADED", 3)
    assert [v.version for v in list_versions(requirement.id)] == [3, 2, 1]
    assert stored_counts()[0] == 3


def test_a_retry_with_the_same_key_and_bytes_returns_the_same_version_and_stores_once(
    requirement,
):
    data = pdf(padding=300 * 1024)  # several chunks
    first = upload(requirement.id, data, idempotency_key="k-1")
    files_after_first = stored_counts()
    again = upload(requirement.id, data, idempotency_key="k-1")

    assert (again.pk, again.version, again.storage_name) == (
        first.pk,
        first.version,
        first.storage_name,
    )
    assert stored_counts() == files_after_first
    assert events_of(requirement.id).count("DocumentFileUploaded") == 1
    # The same key with other bytes is another request: a new version.
    other = upload(requirement.id, pdf(text="other"), idempotency_key="k-1")
    assert other.version == 2


def test_a_keyed_retry_after_the_document_was_verified_still_returns_its_version(requirement):
    data = pdf()
    first = upload(requirement.id, data, idempotency_key="lost-answer")
    decide_document(
        UpdateDocumentStatus(requirement.id, "VERIFIED_MANUAL", "USER", "bob", file_version=1)
    )
    counts = stored_counts()

    again = upload(requirement.id, data, idempotency_key="lost-answer")

    assert again.pk == first.pk
    assert stored_counts() == counts  # the retry's copy was removed
    assert DocumentRequirement.objects.get(pk=requirement.id).status == "VERIFIED_MANUAL"


def test_two_tries_of_one_keyed_upload_at_once_store_one_version_and_one_copy(requirement):
    data = pdf(padding=200 * 1024)
    start = threading.Barrier(2)

    def attempt(_: int):
        try:
            start.wait()
            return upload(requirement.id, data, idempotency_key="same-key")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(attempt, range(2)))

    assert {row.pk for row in results} == {results[0].pk}
    assert events_of(requirement.id).count("DocumentFileUploaded") == 1
    assert stored_counts()[0] == 1
    row = EvidenceFile.objects.get(requirement=requirement)
    stored = StoredEvent.objects.get(aggregate_id=requirement.id, event_type="DocumentFileUploaded")
    assert row.storage_name == stored.payload["storage_name"]
    assert evidence_storage().exists(row.storage_name)


def test_a_verified_requirement_refuses_an_upload_before_storing_anything(requirement):
    upload(requirement.id, pdf())
    decide_document(
        UpdateDocumentStatus(requirement.id, "VERIFIED_MANUAL", "USER", "bob", file_version=1)
    )
    counts = stored_counts()
    with pytest.raises(IllegalTransition) as refused:
        upload(requirement.id, pdf(text="late"))
    assert "VERIFIED_MANUAL is final" in str(refused.value)
    assert stored_counts() == counts


def test_an_upload_to_an_unknown_requirement_or_with_bad_metadata_is_refused(requirement):
    with pytest.raises(NotFound):
        upload(uuid.uuid4(), pdf())
    with pytest.raises(InvalidCommand, match="expires_on 2020-01-01 is before issued_on"):
        upload(requirement.id, pdf(), issued_on="2021-01-01", expires_on="2020-01-01")
    with pytest.raises(InvalidCommand, match="must be a date"):
        upload(requirement.id, pdf(), expires_on="next year")
    assert stored_counts() == (0, 0)
