"""An expired verified document re-opens its requirement, once (SPEC §5a)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from cases import selectors
from cases.core.errors import InvalidCommand
from cases.core.periodic import registered_checks, run_periodic_checks
from cases.documents.commands import UpdateDocumentStatus
from cases.evidence.expiry import check_expired_documents
from cases.evidence.services import decide_document
from cases.models import DocumentRequirement, Notification, NotificationRule, StoredEvent
from tests.evidence_files import pdf
from tests.integration.evidence.conftest import upload

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LATER = datetime(2031, 2, 1, 8, 0, tzinfo=UTC)  # past the passport's expiry below


@pytest.fixture(autouse=True)
def expired_rule() -> None:
    """The DOCUMENT_EXPIRED rule of migration 0021 (tables are flushed between tests)."""
    NotificationRule.objects.create(
        trigger="DOCUMENT_EXPIRED",
        notification_type="DOCUMENT_EXPIRED",
        template_id="document_expired_v1",
    )


def verified(requirement_id, expires_on: str) -> DocumentRequirement:
    upload(requirement_id, pdf(), expires_on=expires_on)
    return decide_document(
        UpdateDocumentStatus(requirement_id, "VERIFIED_MANUAL", "USER", "bob", file_version=1)
    )


def expiries(requirement_id) -> list[StoredEvent]:
    return list(
        StoredEvent.objects.filter(aggregate_id=requirement_id, event_type="DocumentExpired")
    )


def expiry_notifications() -> list[Notification]:
    return [
        n
        for n in Notification.objects.all()
        if n.envelope["payload"]["trigger"] == "DOCUMENT_EXPIRED"
    ]


def test_the_check_is_registered_with_the_other_periodic_checks():
    assert "expired_documents" in registered_checks()
    assert "overdue" in registered_checks()


def test_an_expired_document_reopens_once_however_often_the_check_runs(requirement):
    verified(requirement.id, "2031-01-31")

    assert check_expired_documents(now=datetime(2031, 1, 31, 23, 0, tzinfo=UTC)) == []
    assert check_expired_documents(now=LATER) == [requirement.id]
    assert check_expired_documents(now=LATER) == []
    assert run_periodic_checks(now=LATER)["expired_documents"] == []

    reopened = DocumentRequirement.objects.get(pk=requirement.id)
    assert (reopened.status, reopened.expires_on) == ("AWAITING_UPLOAD", None)
    assert reopened.history[-1]["notes"] == ["version 1 expired on 2031-01-31"]
    [event] = expiries(requirement.id)
    assert event.payload["version"] == 1
    [sent] = expiry_notifications()
    assert sent.envelope["payload"]["context_data"]["document_type"] == "PASSPORT"
    assert sent.envelope["payload"]["context_data"]["expires_on"] == "2031-01-31"


def test_two_checks_at_the_same_moment_reopen_and_notify_once(requirement):
    verified(requirement.id, "2031-01-31")
    start = threading.Barrier(2)

    def check(_: int) -> list:
        try:
            start.wait()
            return check_expired_documents(now=LATER)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(check, range(2)))
    call_command("check_overdue", stdout=io.StringIO())  # the operators' command runs it too

    assert len(expiries(requirement.id)) == 1
    assert len(expiry_notifications()) == 1
    assert DocumentRequirement.objects.get(pk=requirement.id).status == "AWAITING_UPLOAD"


def test_two_check_processes_started_together_reopen_and_notify_once(requirement):
    """`manage.py check_overdue` in two processes at once, on this test's database."""
    today = timezone.localdate()
    upload(requirement.id, pdf(), expires_on=(today - timedelta(days=1)).isoformat())
    decide_document(
        UpdateDocumentStatus(
            requirement.id,
            "VERIFIED_MANUAL",
            "USER",
            "bob",
            file_version=1,
            occurred_at=timezone.now() - timedelta(days=3),  # verified while still valid
        )
    )
    root = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "casemgmt_project.settings",
        "DEBUG": "false",
        "MONGODB_URI": settings.MONGODB_URI,
        "DB_NAME": connection.settings_dict["NAME"],  # this test's database
    }
    runs = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "check_overdue"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    assert any(b"expired_documents=1" in out for out, _ in outputs), outputs
    assert len(expiries(requirement.id)) == 1
    assert len(expiry_notifications()) == 1
    assert DocumentRequirement.objects.get(pk=requirement.id).status == "AWAITING_UPLOAD"


def test_after_expiry_a_new_upload_is_needed_and_the_old_version_cannot_be_verified(
    requirement,
):
    verified(requirement.id, "2031-01-31")
    check_expired_documents(now=LATER)
    upload(requirement.id, pdf(text="renewed"), expires_on="2041-01-31")

    with pytest.raises(InvalidCommand, match="version 1 expired"):
        decide_document(
            UpdateDocumentStatus(
                requirement.id,
                "VERIFIED_MANUAL",
                "USER",
                "bob",
                file_version=1,
                occurred_at=LATER,
            )
        )
    renewed = decide_document(
        UpdateDocumentStatus(
            requirement.id, "VERIFIED_MANUAL", "USER", "bob", file_version=2, occurred_at=LATER
        )
    )
    assert (renewed.status, renewed.expires_on) == ("VERIFIED_MANUAL", date(2041, 1, 31))


def test_the_dashboard_counts_documents_expiring_within_30_days(document_rules):
    from tests.integration.evidence.conftest import KYC
    from tests.integration.helpers import open_case

    case = open_case({**KYC, "persons": [{"firstname": "A", "lastname": "B"}]})
    soon, later = DocumentRequirement.objects.filter(case=case).order_by("document_type")
    verified(soon.id, "2031-01-20")
    verified(later.id, "2031-03-20")

    today = date(2031, 1, 1)
    assert selectors.count_documents_expiring(today=today) == 1
    assert selectors.count_documents_expiring(within_days=90, today=today) == 2
    assert selectors.count_documents_expiring(today=date(2031, 1, 21)) == 0  # expired already
