"""Evidence read models rebuild identically from the events; the access log is kept (§5a)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from cases.core import bulk
from cases.core.rebuild import READ_MODELS
from cases.documents.commands import UpdateDocumentStatus
from cases.evidence.expiry import check_expired_documents
from cases.evidence.services import decide_document, delete_evidence, open_evidence
from cases.models import DocumentRequirement, EvidenceAccess, EvidenceFile
from tests.evidence_files import heic, pdf, png
from tests.integration.evidence.conftest import upload

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def snapshot() -> dict[str, list[dict]]:
    return {
        model.__name__: sorted(bulk.collection(model).find(), key=lambda doc: str(doc["_id"]))
        for model in READ_MODELS
    }


def test_rebuild_reproduces_versions_decisions_expiry_and_deletions_and_keeps_the_log(
    requirement,
):
    other = DocumentRequirement.objects.get(
        case_id=requirement.case_id, document_type="PROOF_OF_ADDRESS"
    )
    upload(requirement.id, pdf(), expires_on="2031-01-31", issued_on="2021-02-01")
    decide_document(
        UpdateDocumentStatus(
            requirement.id,
            "REJECTED",
            "USER",
            "bob",
            file_version=1,
            request_new_upload=True,
            reason="cut off",
        )
    )
    upload(requirement.id, png(), expires_on="2031-01-31", document_number="X1")
    decide_document(
        UpdateDocumentStatus(requirement.id, "VERIFIED_MANUAL", "USER", "bob", file_version=2)
    )
    check_expired_documents(now=datetime(2031, 2, 2, tzinfo=UTC))
    delete_evidence(requirement.id, 1, "superseded and rejected", "system:retention")
    upload(other.id, heic(), idempotency_key="once")
    upload(other.id, heic(), idempotency_key="once")
    open_evidence(other.id, 1, "USER:carol", "PREVIEW").close()
    open_evidence(requirement.id, 2, "USER:carol", "DOWNLOAD").close()
    live = snapshot()
    log = sorted(bulk.collection(EvidenceAccess).find(), key=lambda doc: str(doc["_id"]))
    assert len(live["EvidenceFile"]) == 3
    assert EvidenceFile.objects.get(requirement=requirement, version=1).deleted_at is not None

    call_command("rebuild_projections", stdout=io.StringIO(), stderr=io.StringIO())

    assert snapshot() == live
    assert sorted(bulk.collection(EvidenceAccess).find(), key=lambda d: str(d["_id"])) == log
