"""Fixtures of the evidence tests: an open KYC case and one of its requirements."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest

from cases.evidence.commands import UploadEvidence
from cases.evidence.services import upload_evidence
from cases.evidence.storage import evidence_storage
from cases.models import DocumentRequirement, EvidenceFile
from tests.integration.helpers import open_case

KYC = {
    "client_id": "kyc-evidence",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Ada", "lastname": "Lovelace"}],
}


@pytest.fixture(autouse=True)
def empty_evidence_bucket() -> None:
    """The test database's tables are flushed between tests; the GridFS bucket is not a table."""
    storage = evidence_storage()
    storage.files_collection().delete_many({})
    storage.chunks_collection().delete_many({})


@pytest.fixture
def requirement(document_rules: None) -> DocumentRequirement:
    """The PASSPORT requirement of a freshly opened KYC case (AWAITING_UPLOAD)."""
    case = open_case({**KYC, "client_id": f"kyc-evidence-{uuid.uuid4().hex[:8]}"})
    return DocumentRequirement.objects.get(case=case, document_type="PASSPORT")


def upload(
    requirement_id: uuid.UUID, data: bytes, *, name: str = "scan.pdf", **extra: Any
) -> EvidenceFile:
    extra.setdefault("declared_type", "application/octet-stream")
    extra.setdefault("actor", "USER:alice")
    return upload_evidence(
        UploadEvidence(
            requirement_id=requirement_id, stream=io.BytesIO(data), original_name=name, **extra
        )
    )


def stored_counts() -> tuple[int, int]:
    """(files, chunks) in the evidence GridFS bucket."""
    storage = evidence_storage()
    return (
        storage.files_collection().count_documents({}),
        storage.chunks_collection().count_documents({}),
    )
