"""Evidence decisions, pure (SPEC §5a): uploads and decisions naming a version, expiry once,
the retention delete, and the reader that hashes, counts and limits an upload."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, date, datetime

import pytest

from cases.core import events as ev
from cases.core.errors import EvidenceTooLarge, IllegalTransition, InvalidCommand
from cases.documents.commands import DocumentUpload, UpdateDocumentStatus
from cases.documents.handlers import FileVersion, RequirementState, handle_update_document_status
from cases.evidence.commands import UploadEvidence, clean_file_name, split_actor
from cases.evidence.handlers import (
    DeletionState,
    ExpiryState,
    handle_delete_evidence,
    handle_expire_document,
    upload_request_id,
    verified_file_version,
)
from cases.evidence.measuring import MeasuredReader, read_head

REQ = uuid.UUID("00000000-0000-0000-0000-00000000d0c1")
CASE = uuid.UUID("00000000-0000-0000-0000-0000000000c1")
NOW = datetime(2031, 2, 1, 9, 0, tzinfo=UTC)
UPLOAD = DocumentUpload("ab" * 32, 1234, "application/pdf", "p.pdf", "c/r/n1", None, None, "")


def state(status: str, *files: FileVersion, version: int = 3) -> RequirementState:
    current = max((f.version for f in files), default=None)
    return RequirementState(REQ, CASE, status, version, current, tuple(files))


def command(status: str, **extra) -> UpdateDocumentStatus:
    return UpdateDocumentStatus(REQ, status, "USER", "bob", occurred_at=NOW, **extra)


# --- Uploads ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["AWAITING_UPLOAD", "REJECTED"])
def test_an_upload_adds_the_next_version_then_moves_the_requirement_to_uploaded(status):
    events = handle_update_document_status(
        command("UPLOADED", upload=UPLOAD), state(status, FileVersion(1), FileVersion(2))
    )
    assert [e.event_type for e in events] == [ev.DOCUMENT_FILE_UPLOADED, ev.DOCUMENT_STATUS_UPDATED]
    assert [e.version for e in events] == [4, 5]
    assert events[0].payload["version"] == 3
    assert events[0].payload["uploaded_by"] == "USER:bob"
    assert events[1].payload["file_version"] == 3
    assert (events[1].payload["old_status"], events[1].payload["new_status"]) == (
        status,
        "UPLOADED",
    )


def test_an_upload_on_an_uploaded_requirement_only_adds_a_version():
    events = handle_update_document_status(
        command("UPLOADED", upload=UPLOAD), state("UPLOADED", FileVersion(1))
    )
    assert [(e.event_type, e.payload["version"]) for e in events] == [
        (ev.DOCUMENT_FILE_UPLOADED, 2)
    ]


@pytest.mark.parametrize("status", ["VERIFIED_MANUAL", "VERIFIED_SYSTEM", "NOT_APPLICABLE"])
def test_an_upload_on_a_final_requirement_is_an_illegal_transition(status):
    with pytest.raises(IllegalTransition, match=f"{status} is final"):
        handle_update_document_status(command("UPLOADED", upload=UPLOAD), state(status))


def test_an_upload_moves_only_to_uploaded_and_decides_nothing_else():
    with pytest.raises(InvalidCommand, match="not VERIFIED_MANUAL"):
        handle_update_document_status(
            command("VERIFIED_MANUAL", upload=UPLOAD), state("AWAITING_UPLOAD")
        )
    with pytest.raises(InvalidCommand, match="names no file_version"):
        handle_update_document_status(
            command("UPLOADED", upload=UPLOAD, file_version=1), state("AWAITING_UPLOAD")
        )


# --- Decisions naming a version -----------------------------------------------------------------


@pytest.mark.parametrize("status", ["VERIFIED_MANUAL", "REJECTED"])
def test_a_decision_on_a_requirement_with_files_must_name_an_existing_live_version(status):
    files = (FileVersion(1, deleted=True), FileVersion(2))
    with pytest.raises(InvalidCommand, match="must name the file version.*versions: 2$"):
        handle_update_document_status(command(status), state("UPLOADED", *files))
    with pytest.raises(InvalidCommand, match="file_version 1 is not a stored version"):
        handle_update_document_status(command(status, file_version=1), state("UPLOADED", *files))
    [event] = handle_update_document_status(
        command(status, file_version=2), state("UPLOADED", *files)
    )
    assert event.payload["file_version"] == 2


def test_verifying_carries_the_versions_expiry_and_refuses_an_expired_version():
    files = (FileVersion(1, date(2031, 1, 31)), FileVersion(2, date(2031, 2, 1)))
    [event] = handle_update_document_status(
        command("VERIFIED_MANUAL", file_version=2), state("UPLOADED", *files)
    )
    assert event.payload["expires_on"] == "2031-02-01"  # expiring today is still valid
    with pytest.raises(InvalidCommand, match="expired on 2031-01-31"):
        handle_update_document_status(
            command("VERIFIED_MANUAL", file_version=1), state("UPLOADED", *files)
        )
    # A rejection may name an expired version (that is often why it is rejected).
    [rejected] = handle_update_document_status(
        command("REJECTED", file_version=1), state("UPLOADED", *files)
    )
    assert rejected.payload["expires_on"] is None


def test_the_system_verifies_the_current_version_unless_told_otherwise():
    [event] = handle_update_document_status(
        command("VERIFIED_SYSTEM"), state("UPLOADED", FileVersion(1), FileVersion(2))
    )
    assert event.payload["file_version"] == 2


def test_a_version_named_where_no_file_is_decided_on_is_refused():
    with pytest.raises(InvalidCommand, match="AWAITING_UPLOAD → NOT_APPLICABLE has none"):
        handle_update_document_status(
            command("NOT_APPLICABLE", file_version=1), state("AWAITING_UPLOAD")
        )


def test_requesting_a_new_upload_is_a_rejection_with_a_reason():
    files = (FileVersion(1),)
    [event] = handle_update_document_status(
        command("REJECTED", file_version=1, request_new_upload=True, reason="  blurred "),
        state("UPLOADED", *files),
    )
    assert (event.payload["request_new_upload"], event.payload["reason"]) == (True, "blurred")
    with pytest.raises(InvalidCommand, match="needs a reason"):
        handle_update_document_status(
            command("REJECTED", file_version=1, request_new_upload=True),
            state("UPLOADED", *files),
        )


# --- Expiry -------------------------------------------------------------------------------------


def expiry_state(status="VERIFIED_MANUAL", expires_on=date(2031, 1, 31)) -> ExpiryState:
    return ExpiryState(REQ, CASE, status, 7, expires_on, 2)


def test_an_expired_verified_document_reopens_with_an_id_derived_from_requirement_and_version():
    [event] = handle_expire_document(expiry_state(), date(2031, 2, 1), NOW)
    again = handle_expire_document(expiry_state(), date(2031, 3, 1), NOW.replace(month=3))
    assert event.event_type == ev.DOCUMENT_EXPIRED
    assert (event.version, event.payload["version"], event.payload["new_status"]) == (
        8,
        2,
        "AWAITING_UPLOAD",
    )
    assert event.event_id == again[0].event_id  # any later run decides the very same event


@pytest.mark.parametrize(
    ("status", "expires_on"),
    [
        ("VERIFIED_MANUAL", date(2031, 2, 1)),  # expires today: still valid
        ("VERIFIED_MANUAL", None),
        ("UPLOADED", date(2020, 1, 1)),
        ("AWAITING_UPLOAD", date(2020, 1, 1)),
    ],
)
def test_nothing_expires_before_its_date_or_unless_verified(status, expires_on):
    assert handle_expire_document(expiry_state(status, expires_on), date(2031, 2, 1), NOW) == []


def test_the_verified_version_is_the_one_the_latest_verification_named():
    history = [
        {"new_status": "UPLOADED", "file_version": 1},
        {"new_status": "VERIFIED_MANUAL", "file_version": 1},
        {"new_status": "AWAITING_UPLOAD", "file_version": 1},
        {"new_status": "UPLOADED", "file_version": 2},
        {"new_status": "VERIFIED_SYSTEM", "file_version": 2},
    ]
    assert verified_file_version(history) == 2
    assert verified_file_version([{"new_status": "VERIFIED_MANUAL"}]) is None


# --- Retention ------------------------------------------------------------------------------------


def test_a_deletion_records_who_and_why_and_is_one_request_per_version():
    deletion = DeletionState(REQ, CASE, 5, 1, already_deleted=False)
    [event] = handle_delete_evidence(deletion, " five years passed ", "system:retention", NOW)
    [again] = handle_delete_evidence(deletion, "other words", "USER:dpo", NOW)
    assert event.payload == {
        "requirement_id": str(REQ),
        "case_id": str(CASE),
        "version": 1,
        "reason": "five years passed",
        "by": "system:retention",
        "at": NOW.isoformat(),
    }
    assert event.event_id == again.event_id


def test_a_deletion_needs_a_reason_and_a_live_version():
    with pytest.raises(InvalidCommand, match="must say why"):
        handle_delete_evidence(DeletionState(REQ, CASE, 5, 1, False), "", "system", NOW)
    with pytest.raises(InvalidCommand, match="already deleted"):
        handle_delete_evidence(DeletionState(REQ, CASE, 5, 1, True), "why", "system", NOW)


# --- Reading an upload, and its command -----------------------------------------------------------


def test_the_reader_hashes_and_counts_every_byte_and_stops_past_the_limit():
    data = b"%PDF-" + bytes(range(256)) * 100
    stream = io.BytesIO(data)
    head = read_head(stream, 1024)
    reader = MeasuredReader(head, stream, max_bytes=len(data))
    assert reader.read() == data
    assert (reader.size, reader.sha256) == (len(data), hashlib.sha256(data).hexdigest())

    stream = io.BytesIO(data)
    reader = MeasuredReader(read_head(stream, 16), stream, max_bytes=len(data) - 1)
    with pytest.raises(EvidenceTooLarge):
        while reader.read(4096):
            pass


def test_the_idempotent_request_id_depends_on_requirement_bytes_and_key():
    ids = {
        upload_request_id(REQ, "aa", "k"),
        upload_request_id(REQ, "bb", "k"),
        upload_request_id(REQ, "aa", "k2"),
        upload_request_id(CASE, "aa", "k"),
    }
    assert len(ids) == 4
    assert upload_request_id(REQ, "aa", "k") == upload_request_id(REQ, "aa", "k")


def test_an_upload_command_cleans_its_metadata_and_refuses_bad_values():
    made = UploadEvidence(
        str(REQ),
        io.BytesIO(b""),
        "../../etc/pass\x00port.pdf",
        None,
        "bob",
        expires_on="2030-01-02",
    )
    assert (made.requirement_id, made.original_name, made.expires_on) == (
        REQ,
        "passport.pdf",
        date(2030, 1, 2),
    )
    assert split_actor("bob") == ("USER", "bob")
    assert split_actor("token:frontend") == ("TOKEN", "frontend")
    assert clean_file_name("C:\\scans\\id.png") == "id.png"
    for bad in (
        {"actor": " "},
        {"document_number": "9" * 101},
        {"idempotency_key": ""},
        {"issued_on": "2030-02-01", "expires_on": "2030-01-01"},
    ):
        with pytest.raises(InvalidCommand):
            UploadEvidence(REQ, io.BytesIO(b""), "a.pdf", None, **{"actor": "bob", **bad})
    with pytest.raises(InvalidCommand, match="not a requirement id"):
        UploadEvidence("nope", io.BytesIO(b""), "a.pdf", None, "bob")
