"""Document evidence over the API (SPEC §5a): upload, refuse, retry, list, stream, Range, log.

Through the real URLconf, upload handlers and storage (GridFS on the test database).
"""

import hashlib
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.evidence.services import delete_evidence
from cases.evidence.storage import evidence_storage
from cases.models import DocumentRequirement, EvidenceAccess, EvidenceFile
from tests import evidence_files
from tests.integration.api.payloads import KYC
from tests.integration.helpers import open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

DOCS = "/api/v1/documents"
UPLOADER = ("cases.add_evidencefile", "cases.view_evidencefile")
SAMPLES = {kind: make(padding=3000) for kind, make in evidence_files.SAMPLES.items()}
PDF = SAMPLES["application/pdf"]


def _requirement() -> DocumentRequirement:
    case = open_case(KYC)
    return DocumentRequirement.objects.filter(case_id=case.pk, document_type="PASSPORT").get()


def _upload(caller, requirement_id, content: bytes, name="scan.bin", declared="text/plain", **form):
    headers = dict(caller.auth)
    key = form.pop("idempotency_key", None)
    if key:
        headers["Idempotency-Key"] = key
    part = SimpleUploadedFile(name, content, content_type=declared)
    return caller.client.post(
        f"{DOCS}/{requirement_id}/files", {"file": part, **form}, headers=headers
    )


@pytest.fixture(autouse=True)
def empty_evidence_bucket() -> None:
    """Django flushes the test database's tables between tests; the GridFS bucket is not one."""
    storage = evidence_storage()
    storage.files_collection().delete_many({})
    storage.chunks_collection().delete_many({})


def _stored_files() -> int:
    """Files in the GridFS bucket, or their chunks when no file document names them."""
    storage = evidence_storage()
    files = storage.files_collection().count_documents({})
    return files or storage.chunks_collection().count_documents({})


def _body(response) -> bytes:
    assert response.streaming, "the file must be streamed, not built in memory"
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_each_allowed_type_is_stored_with_the_type_its_bytes_show(make_caller, kind):
    requirement = _requirement()
    caller = make_caller(*UPLOADER)
    content = SAMPLES[kind]
    response = _upload(
        caller,
        requirement.pk,
        content,
        name="passport.dat",
        declared="application/octet-stream",  # the client's word is not taken
        expires_on="2031-05-01",
        issued_on="2021-05-01",
        document_number="X1234567",
    )
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    assert (body["version"], body["content_type"], body["size"]) == (1, kind, len(content))
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert (body["expires_on"], body["issued_on"]) == ("2031-05-01", "2021-05-01")
    assert body["document_number"] == "X1234567"
    assert body["uploaded_by"] == f"TOKEN:token-of-{caller.user.username}"
    requirement.refresh_from_db()
    assert requirement.status == "UPLOADED"
    download = caller.get(f"{DOCS}/{requirement.pk}/files/1")
    assert download["Content-Type"] == kind
    assert _body(download) == content


def test_a_type_not_allowed_is_415_and_nothing_is_stored(make_caller):
    requirement = _requirement()
    caller = make_caller(*UPLOADER)
    response = _upload(caller, requirement.pk, b"MZ\x90\x00" + b"\x00" * 500, declared="image/png")
    assert response.status_code == 415, response.content[:300]
    assert response.json()["errors"][0]["loc"] == "body.file"
    assert not EvidenceFile.objects.exists()
    assert _stored_files() == 0
    requirement.refresh_from_db()
    assert requirement.status == "AWAITING_UPLOAD"


def test_a_file_over_the_limit_is_413_and_nothing_is_stored(make_caller, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    requirement = _requirement()
    caller = make_caller(*UPLOADER)
    # Just over the limit: read and refused by the service while streaming it to storage.
    over = _upload(caller, requirement.pk, PDF[:9] + b"0" * 1100)
    assert over.status_code == 413, over.content[:300]
    # Far over: refused from Content-Length alone, before the body is read.
    far_over = _upload(caller, requirement.pk, PDF[:9] + b"0" * 200_000)
    assert far_over.status_code == 413, far_over.content[:300]
    assert "EVIDENCE_MAX_BYTES" in far_over.json()["errors"][0]["msg"]
    assert not EvidenceFile.objects.exists()
    assert _stored_files() == 0
    assert _upload(caller, requirement.pk, PDF[:1000]).status_code == 201


def test_a_retry_with_the_same_key_answers_the_same_version_and_stores_nothing_twice(
    make_caller,
):
    requirement = _requirement()
    caller = make_caller(*UPLOADER)
    first = _upload(caller, requirement.pk, PDF, idempotency_key="upload-1")
    retry = _upload(caller, requirement.pk, PDF, idempotency_key="upload-1")
    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    assert EvidenceFile.objects.filter(requirement_id=requirement.pk).count() == 1
    assert _stored_files() == 1
    other_bytes = _upload(caller, requirement.pk, PDF + b"x", idempotency_key="upload-1")
    assert other_bytes.status_code == 422
    assert "Idempotency-Key" in other_bytes.json()["detail"]
    second = _upload(caller, requirement.pk, PDF, idempotency_key="upload-2")
    assert second.json()["version"] == 2
    assert _stored_files() == 2


def test_versions_are_listed_newest_first_and_paginated(make_caller):
    requirement = _requirement()
    caller = make_caller(*UPLOADER)
    for kind in ("application/pdf", "image/png", "image/jpeg"):
        assert _upload(caller, requirement.pk, SAMPLES[kind]).status_code == 201
    first = caller.get(f"{DOCS}/{requirement.pk}/files", limit=2).json()
    assert [item["version"] for item in first["items"]] == [3, 2]
    rest = caller.get(f"{DOCS}/{requirement.pk}/files", limit=2, cursor=first["next_cursor"])
    assert [item["version"] for item in rest.json()["items"]] == [1]
    assert rest.json()["next_cursor"] is None
    assert caller.get(f"{DOCS}/{uuid.uuid4()}/files").status_code == 404


def test_upload_input_errors_are_422_and_unknown_requirement_404(make_caller):
    requirement = _requirement()
    caller = make_caller(*UPLOADER)
    bad_date = _upload(caller, requirement.pk, PDF, expires_on="next year")
    assert bad_date.status_code == 422
    assert bad_date.json()["errors"][0]["loc"] == "form.expires_on"
    # pydantic alone would read a number as a time since 1970 (schemathesis sent `0`).
    for number in ("0", "20310501", "1.5"):
        as_number = _upload(caller, requirement.pk, PDF, issued_on=number)
        assert as_number.status_code == 422, number
        assert as_number.json()["errors"][0]["loc"] == "form.issued_on"
    no_file = caller.client.post(
        f"{DOCS}/{requirement.pk}/files", {"expires_on": "2030-01-01"}, headers=caller.auth
    )
    assert no_file.status_code == 422
    assert _upload(caller, uuid.uuid4(), PDF).status_code == 404
    assert not EvidenceFile.objects.exists()
    assert _stored_files() == 0


def test_downloads_need_credentials_and_the_evidence_permission(make_caller):
    requirement = _requirement()
    assert _upload(make_caller(*UPLOADER), requirement.pk, PDF).status_code == 201
    path = f"{DOCS}/{requirement.pk}/files/1"
    anonymous = Client().get(path)
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"].startswith("application/json")
    documents_only = make_caller("cases.view_documentrequirement")
    assert documents_only.get(path).status_code == 403
    assert documents_only.get(f"{DOCS}/{requirement.pk}/files").status_code == 403
    assert (
        make_caller("cases.view_evidencefile")
        .client.post(
            f"{DOCS}/{requirement.pk}/files",
            {"file": SimpleUploadedFile("a.pdf", PDF)},
            headers=documents_only.auth,
        )
        .status_code
        == 403
    )
    assert not EvidenceAccess.objects.exists()  # refused calls read nothing and log nothing
    viewer = make_caller("cases.view_evidencefile")
    assert viewer.get(f"{DOCS}/{requirement.pk}/files/2").status_code == 404


def test_a_download_streams_the_file_with_headers_that_keep_it_private(make_caller):
    requirement = _requirement()
    caller = make_caller(*UPLOADER)
    _upload(caller, requirement.pk, PDF, name="Pässport scan.pdf")
    response = caller.get(f"{DOCS}/{requirement.pk}/files/1")
    assert response.status_code == 200
    assert _body(response) == PDF
    assert response["Content-Length"] == str(len(PDF))
    assert response["Accept-Ranges"] == "bytes"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["ETag"] == f'"{hashlib.sha256(PDF).hexdigest()}"'
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''P%C3%A4ssport")
    inline = caller.get(f"{DOCS}/{requirement.pk}/files/1", disposition="inline")
    assert inline["Content-Disposition"].startswith("inline;")
    assert inline["X-Frame-Options"] == "SAMEORIGIN"
    assert _body(inline) == PDF


def test_one_range_is_a_206_with_exactly_those_bytes(make_caller):
    requirement = _requirement()
    caller = make_caller(*UPLOADER)
    _upload(caller, requirement.pk, PDF)
    path, size = f"{DOCS}/{requirement.pk}/files/1", len(PDF)

    def ranged(header: str):
        return caller.client.get(path, headers={**caller.auth, "Range": header})

    middle = ranged("bytes=100-199")
    assert middle.status_code == 206
    assert middle["Content-Range"] == f"bytes 100-199/{size}"
    assert middle["Content-Length"] == "100"
    assert _body(middle) == PDF[100:200]
    tail = ranged("bytes=-7")
    assert (tail.status_code, _body(tail)) == (206, PDF[-7:])
    past_end = ranged(f"bytes={size - 3}-{size + 50}")
    assert (past_end.status_code, _body(past_end)) == (206, PDF[-3:])
    assert ranged("bytes=0-1,5-9").status_code == 200  # several ranges: the whole file
    for unsatisfiable in (f"bytes={size}-", "bytes=9-3", "bytes=zero-"):
        refused = ranged(unsatisfiable)
        assert refused.status_code == 416, unsatisfiable
        assert refused["Content-Range"] == f"bytes */{size}"
        assert refused.json()["errors"][0]["loc"] == "header.Range"


def test_every_download_is_logged_with_who_which_version_and_which_bytes(make_caller):
    requirement = _requirement()
    uploader = make_caller(*UPLOADER)
    _upload(uploader, requirement.pk, PDF)
    _upload(uploader, requirement.pk, SAMPLES["image/png"])
    auditor = make_caller("cases.view_evidencefile", "cases.view_evidenceaccess")
    base = f"{DOCS}/{requirement.pk}/files"
    assert uploader.get(base).status_code == 200  # a listing is not an access
    _body(uploader.get(f"{base}/1"))
    _body(auditor.client.get(f"{base}/2", headers={**auditor.auth, "Range": "bytes=0-9"}))
    _body(auditor.get(f"{base}/2", disposition="inline"))
    auditor.client.get(f"{base}/2", headers={**auditor.auth, "Range": "bytes=999999-"})  # 416
    png_size = len(SAMPLES["image/png"])
    log = auditor.get(f"{base}/access-log")
    assert log.status_code == 200
    rows = [
        (row["user"], row["version"], row["action"], row["range"]) for row in log.json()["items"]
    ]
    assert rows == [
        (f"TOKEN:token-of-{auditor.user.username}", 2, "PREVIEW", ""),
        (f"TOKEN:token-of-{auditor.user.username}", 2, "DOWNLOAD", f"bytes 0-9/{png_size}"),
        (f"TOKEN:token-of-{uploader.user.username}", 1, "DOWNLOAD", ""),
    ]
    assert uploader.get(f"{base}/access-log").status_code == 403  # the log has its own right


def test_a_requirement_that_takes_no_upload_is_409_and_nothing_is_stored(make_caller):
    requirement = _requirement()
    decider = make_caller("cases.change_documentrequirement")
    moved = decider.put(f"{DOCS}/{requirement.pk}/status", {"new_status": "NOT_APPLICABLE"})
    assert moved.status_code == 200
    refused = _upload(make_caller(*UPLOADER), requirement.pk, PDF)
    assert refused.status_code == 409, refused.content[:300]
    assert "NOT_APPLICABLE" in refused.json()["detail"]
    assert not EvidenceFile.objects.exists()
    assert _stored_files() == 0


def test_a_version_whose_bytes_retention_removed_is_410_and_stays_listed(make_caller):
    requirement = _requirement()
    caller = make_caller(*UPLOADER)
    _upload(caller, requirement.pk, PDF)
    delete_evidence(requirement.pk, 1, "retention period over", "USER:retention")
    gone = caller.get(f"{DOCS}/{requirement.pk}/files/1")
    assert gone.status_code == 410
    assert "retention period over" in gone.json()["detail"]
    listed = caller.get(f"{DOCS}/{requirement.pk}/files").json()["items"]
    assert [(v["version"], v["deleted_reason"]) for v in listed] == [(1, "retention period over")]
    assert not EvidenceAccess.objects.exists()


def test_a_body_labelled_multipart_without_a_boundary_is_a_400_not_a_500(make_caller):
    """Only the upload parses multipart; a JSON write with an Idempotency-Key whose client
    mislabels its body must not be parsed as a form to compute the key's digest."""
    requirement = _requirement()
    caller = make_caller(superuser=True)
    headers = {**caller.auth, "Idempotency-Key": "k-1"}
    upload = caller.client.post(
        f"{DOCS}/{requirement.pk}/files",
        b'{"text": "x"}',
        content_type="multipart/form-data",
        headers=headers,
    )
    assert upload.status_code == 400, upload.content[:300]
    assert upload.json()["detail"] == "malformed multipart body"
    note = caller.client.post(
        f"/api/v1/cases/{requirement.case_id}/notes",
        b'{"text": "x"}',
        content_type="multipart/form-data",
        headers=headers,
    )
    assert note.status_code < 500, note.content[:300]
    assert _stored_files() == 0


def test_the_case_pages_preview_works_with_the_admin_session(make_caller):
    """The admin's `<img>`/`<object>` loads the inline download with the analyst's session."""
    requirement = _requirement()
    uploader = make_caller(*UPLOADER)
    _upload(uploader, requirement.pk, SAMPLES["image/png"])
    browser = Client()
    browser.force_login(make_caller("cases.view_evidencefile").user)
    preview = browser.get(f"{DOCS}/{requirement.pk}/files/1", {"disposition": "inline"})
    assert preview.status_code == 200
    assert preview["Content-Type"] == "image/png"
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert _body(preview) == SAMPLES["image/png"]
    assert EvidenceAccess.objects.get().action == "PREVIEW"


def test_a_version_retention_removed_is_410_whatever_range_is_asked(make_caller):
    """The bytes are gone: a malformed or unsatisfiable Range is beside the point."""
    requirement = _requirement()
    caller = make_caller(*UPLOADER)
    _upload(caller, requirement.pk, PDF)
    delete_evidence(requirement.pk, 1, "retention period over", "USER:retention")
    path = f"{DOCS}/{requirement.pk}/files/1"
    for asked in ("bytes=zero-", "bytes=9-3", f"bytes={len(PDF) + 5}-", "bytes=0-9"):
        gone = caller.client.get(path, headers={**caller.auth, "Range": asked})
        assert gone.status_code == 410, asked
        assert "retention period over" in gone.json()["detail"]
        assert gone["Cache-Control"] == "private, no-store"
    missing = caller.client.get(
        f"{DOCS}/{requirement.pk}/files/2", headers={**caller.auth, "Range": "bytes=zero-"}
    )
    assert missing.status_code == 404
    assert not EvidenceAccess.objects.exists()


def test_a_head_answers_the_downloads_headers_without_a_body_and_is_not_logged(make_caller):
    requirement = _requirement()
    caller = make_caller(*UPLOADER)
    _upload(caller, requirement.pk, PDF, name="Pässport scan.pdf")
    path = f"{DOCS}/{requirement.pk}/files/1"
    got = caller.get(path, disposition="inline")
    _body(got)
    EvidenceAccess.objects.all().delete()

    head = caller.client.head(f"{path}?disposition=inline", headers=caller.auth)
    assert head.status_code == 200
    assert head.content == b""
    for name in (
        "Content-Type",
        "Content-Length",
        "Content-Disposition",
        "Accept-Ranges",
        "ETag",
        "X-Content-Type-Options",
        "Cache-Control",
        "X-Frame-Options",
        "Content-Security-Policy",
    ):
        assert head[name] == got[name], name
    ranged = caller.client.head(path, headers={**caller.auth, "Range": "bytes=0-9"})
    assert (ranged.status_code, ranged["Content-Length"]) == (200, str(len(PDF)))  # ignored
    assert ranged["Content-Disposition"].startswith("attachment;")
    assert not EvidenceAccess.objects.exists()  # a HEAD reveals no content
    unknown = caller.client.head(f"{DOCS}/{requirement.pk}/files/9", headers=caller.auth)
    assert unknown.status_code == 404
    outsider = make_caller("cases.view_case")
    assert outsider.client.head(path, headers=outsider.auth).status_code == 403
    assert caller.client.head(path).status_code == 401
    delete_evidence(requirement.pk, 1, "retention period over", "USER:retention")
    assert caller.client.head(path, headers=caller.auth).status_code == 410


def test_a_refused_range_is_not_cached(make_caller):
    """A 416 names the file's size: private, like the bytes."""
    requirement = _requirement()
    caller = make_caller(*UPLOADER)
    _upload(caller, requirement.pk, PDF)
    path = f"{DOCS}/{requirement.pk}/files/1"
    refused = caller.client.get(path, headers={**caller.auth, "Range": "bytes=zero-"})
    assert refused.status_code == 416
    assert refused["Cache-Control"] == "private, no-store"
    partial = caller.client.get(path, headers={**caller.auth, "Range": "bytes=0-9"})
    assert (partial.status_code, partial["Cache-Control"]) == (206, "private, no-store")
