"""Bytes stored by an upload that died before recording them are swept; recorded ones stay."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from cases.evidence.storage import evidence_storage
from cases.evidence.sweep import sweep_unrecorded_files
from tests.evidence_files import pdf
from tests.integration.evidence.conftest import upload

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_only_old_files_no_upload_event_names_are_removed(requirement):
    storage = evidence_storage()
    recorded = upload(requirement.id, pdf())
    second = upload(requirement.id, pdf(text="v2"))
    # What a process killed between storing and recording leaves behind.
    orphan = storage.save(f"{requirement.case_id}/{requirement.id}/dead", ContentFile(pdf()))
    foreign = storage.save("not/an-evidence-name", ContentFile(b"%PDF-x"))

    assert sweep_unrecorded_files() == []  # younger than an hour: maybe still recording
    later = timezone.now() + timedelta(hours=2)
    assert sweep_unrecorded_files(now=later) == [orphan]

    assert not storage.exists(orphan)
    assert storage.exists(recorded.storage_name) and storage.exists(second.storage_name)
    assert storage.exists(foreign)  # a name of another shape is not ours to judge
    out = io.StringIO()
    call_command("sweep_evidence_files", "--hours", "0", stdout=out)
    assert out.getvalue().strip() == "removed 0 unrecorded evidence file(s)"
