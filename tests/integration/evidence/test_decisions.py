"""Decisions on uploaded evidence name the version decided on (SPEC §5a)."""

from __future__ import annotations

from datetime import date

import pytest

from cases.core.errors import InvalidCommand
from cases.documents.commands import UpdateDocumentStatus
from cases.evidence.services import decide_document
from cases.models import DocumentRequirement, Notification, NotificationRule, StoredEvent
from tests.evidence_files import pdf, png
from tests.integration.evidence.conftest import upload

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def decision(requirement_id, status, **extra) -> DocumentRequirement:
    return decide_document(UpdateDocumentStatus(requirement_id, status, "USER", "bob", **extra))


def notifications(trigger: str) -> list[Notification]:
    return [n for n in Notification.objects.all() if n.envelope["payload"]["trigger"] == trigger]


@pytest.mark.parametrize("status", ["VERIFIED_MANUAL", "REJECTED"])
def test_a_decision_without_the_version_is_refused_and_names_the_versions(requirement, status):
    upload(requirement.id, pdf())
    upload(requirement.id, png())
    before = StoredEvent.objects.filter(aggregate_id=requirement.id).count()

    with pytest.raises(InvalidCommand, match=r"must name the file version .*versions: 1, 2"):
        decision(requirement.id, status)
    with pytest.raises(InvalidCommand, match=r"file_version 7 is not a stored version"):
        decision(requirement.id, status, file_version=7)

    assert StoredEvent.objects.filter(aggregate_id=requirement.id).count() == before
    assert DocumentRequirement.objects.get(pk=requirement.id).status == "UPLOADED"


def test_verifying_names_the_version_and_takes_its_expiry_date(requirement):
    upload(requirement.id, pdf(), expires_on="2030-06-30", document_number="P1234567")
    upload(requirement.id, png(), expires_on="2035-01-01")

    verified = decision(requirement.id, "VERIFIED_MANUAL", file_version=1, notes_to_add=["ok"])

    assert verified.status == "VERIFIED_MANUAL"
    assert verified.expires_on == date(2030, 6, 30)  # of the version decided on, not the latest
    assert verified.history[-1]["file_version"] == 1
    event = StoredEvent.objects.filter(aggregate_id=requirement.id).order_by("-version").first()
    assert (event.payload["file_version"], event.payload["expires_on"]) == (1, "2030-06-30")


def test_an_expired_version_cannot_be_verified(requirement):
    upload(requirement.id, pdf(), expires_on="2020-01-01")
    with pytest.raises(InvalidCommand, match="version 1 expired on 2020-01-01"):
        decision(requirement.id, "VERIFIED_MANUAL", file_version=1)


def test_a_rejection_requesting_a_new_upload_notifies_through_the_rule_path(requirement):
    NotificationRule.objects.create(
        trigger="DOCUMENT_REQUESTED",
        notification_type="DOCUMENT_REQUESTED",
        template_id="document_requested_v1",
    )
    upload(requirement.id, pdf())

    rejected = decision(
        requirement.id,
        "REJECTED",
        file_version=1,
        request_new_upload=True,
        reason="The photo page is cut off",
    )

    assert rejected.history[-1]["request_new_upload"] is True
    assert rejected.history[-1]["reason"] == "The photo page is cut off"
    [sent] = notifications("DOCUMENT_REQUESTED")
    context = sent.envelope["payload"]["context_data"]
    assert context["reason"] == "The photo page is cut off"
    assert context["document_type"] == "PASSPORT"
    assert context["rejected_file_version"] == 1
    assert sent.case_id == requirement.case_id


def test_the_document_requested_rule_is_off_unless_switched_on(requirement):
    NotificationRule.objects.create(
        trigger="DOCUMENT_REQUESTED",
        notification_type="DOCUMENT_REQUESTED",
        template_id="document_requested_v1",
        is_active=False,
    )
    upload(requirement.id, pdf())
    decision(requirement.id, "REJECTED", file_version=1, request_new_upload=True, reason="x")
    assert notifications("DOCUMENT_REQUESTED") == []


def test_a_request_for_a_new_upload_needs_a_rejection_and_a_reason(requirement):
    upload(requirement.id, pdf())
    with pytest.raises(InvalidCommand, match="needs a reason"):
        decision(requirement.id, "REJECTED", file_version=1, request_new_upload=True)
    with pytest.raises(InvalidCommand, match="only a rejection"):
        decision(
            requirement.id, "VERIFIED_MANUAL", file_version=1, request_new_upload=True, reason="x"
        )


def test_a_requirement_uploaded_without_a_file_is_still_decided_by_status(requirement):
    """Before evidence, a front end could move a requirement to UPLOADED by status alone."""
    decision(requirement.id, "UPLOADED")
    with pytest.raises(InvalidCommand, match="has none"):
        decision(requirement.id, "VERIFIED_MANUAL", file_version=1)
    assert decision(requirement.id, "VERIFIED_MANUAL").history[-1].get("file_version") is None
