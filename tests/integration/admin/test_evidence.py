"""Document evidence on the case page (SPEC §5a) through Django's test client, on the real
database and GridFS: upload, refusals that say why, the logged preview, permissions, decisions
naming a version. The browser test (tests/e2e/test_document_evidence.py) clicks the happy path.
"""

import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import DocumentRequirement, EvidenceAccess, EvidenceFile, StoredEvent
from tests.evidence_files import tiny_pdf, tiny_png
from tests.integration.helpers import make_user

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def articles(kyb_case) -> DocumentRequirement:
    return DocumentRequirement.objects.get(
        case_id=kyb_case.pk, document_type="ARTICLES_OF_ASSOCIATION"
    )


def _upload(client, requirement, name: str, data: bytes, content_type: str, **fields):
    prefix = f"upload-{requirement.pk}-"
    form = {prefix + "request_id": fields.pop("request_id", f"up-{name}")}
    form[prefix + "file"] = SimpleUploadedFile(name, data, content_type=content_type)
    form.update({prefix + key: value for key, value in fields.items()})
    url = reverse("admin:cases_case_evidence_upload", args=[requirement.case_id, requirement.pk])
    return client.post(url, form, follow=True)


def _file_url(requirement, version: int, mode: str = "preview") -> str:
    url = reverse(
        "admin:cases_case_evidence_file", args=[requirement.case_id, requirement.pk, version]
    )
    return f"{url}?as={mode}"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_an_upload_stores_a_version_moves_the_requirement_and_shows_it_inline(
    analyst_client, articles
):
    pdf = tiny_pdf("Articles")
    response = _upload(
        analyst_client,
        articles,
        "articles.pdf",
        pdf,
        "application/octet-stream",  # the sniffed type wins over the header
        issued_on="2020-01-02",
        expires_on="2030-01-02",
        document_number="RCS-B-1",
    )

    html = response.content.decode()
    assert "articles.pdf stored as version 1 (application/pdf" in html
    stored = EvidenceFile.objects.get(requirement=articles.pk)
    assert (stored.version, stored.sha256, stored.size) == (
        1,
        hashlib.sha256(pdf).hexdigest(),
        len(pdf),
    )
    assert (stored.content_type, stored.uploaded_by, stored.document_number) == (
        "application/pdf",
        "USER:ann-analyst",
        "RCS-B-1",
    )
    assert str(stored.expires_on) == "2030-01-02"
    assert DocumentRequirement.objects.get(pk=articles.pk).status == "UPLOADED"
    preview = _file_url(articles, 1)
    assert f'<object class="casemgmt-preview casemgmt-preview-pdf" data="{preview}"' in html
    assert stored.sha256 in html
    assert "PDF, JPEG, PNG, HEIC, TIFF; at most 25.0" in html  # the limits, said up front
    # The decision form now names the version.
    assert re.search(rf'name="req-{articles.pk}-file_version"', html)


def test_a_second_upload_is_a_new_version_and_the_first_is_listed_as_earlier(
    analyst_client, articles
):
    _upload(analyst_client, articles, "scan.png", tiny_png("v1"), "image/png")
    html = _upload(analyst_client, articles, "better.pdf", tiny_pdf("v2"), "application/pdf")
    html = html.content.decode()

    assert "better.pdf stored as version 2" in html
    assert '<img class="casemgmt-preview"' not in html  # the current one is the PDF
    earlier = re.search(r'<details class="casemgmt-evidence-versions".*?</details>', html, re.S)
    assert "scan.png" in earlier.group(0) and "image/png" in earlier.group(0)
    versions = EvidenceFile.objects.filter(requirement=articles.pk).values_list(
        "version", flat=True
    )
    assert sorted(versions) == [1, 2]


def test_a_double_submitted_upload_stores_one_version(analyst_client, articles):
    png = tiny_png("once")
    for _ in range(2):
        _upload(analyst_client, articles, "id.png", png, "image/png", request_id="same-key")
    assert EvidenceFile.objects.filter(requirement=articles.pk).count() == 1


def test_a_refused_type_says_why_and_stores_nothing(analyst_client, articles):
    response = _upload(
        analyst_client, articles, "notes.pdf", b"just some text\n", "application/pdf"
    )

    html = response.content.decode()
    assert "Upload refused, nothing stored:" in html
    assert EvidenceFile.objects.filter(requirement=articles.pk).count() == 0
    assert DocumentRequirement.objects.get(pk=articles.pk).status == "AWAITING_UPLOAD"


def test_a_file_over_the_size_limit_says_why_and_stores_nothing(analyst_client, articles, settings):
    settings.EVIDENCE_MAX_BYTES = 200
    response = _upload(analyst_client, articles, "big.pdf", tiny_pdf("x" * 300), "application/pdf")

    assert "Upload refused, nothing stored:" in response.content.decode()
    assert EvidenceFile.objects.filter(requirement=articles.pk).count() == 0


def test_the_preview_streams_the_bytes_inline_sandboxed_and_is_logged(analyst_client, articles):
    pdf = tiny_pdf("Logged")
    _upload(analyst_client, articles, "a.pdf", pdf, "application/pdf")

    response = analyst_client.get(_file_url(articles, 1))

    assert response.status_code == 200
    assert _body(response) == pdf
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "no-store" in response["Cache-Control"]
    download = analyst_client.get(_file_url(articles, 1, "download"))
    assert download["Content-Disposition"] == 'attachment; filename="a.pdf"'
    _body(download)

    rows = list(EvidenceAccess.objects.filter(requirement=articles.pk).order_by("at"))
    assert [(r.user, r.version, r.action) for r in rows] == [
        ("USER:ann-analyst", 1, "PREVIEW"),
        ("USER:ann-analyst", 1, "DOWNLOAD"),
    ]
    page = analyst_client.get(reverse("admin:cases_case_change", args=[articles.case_id]))
    log = re.search(
        r'<details class="casemgmt-access-log">.*?</details>', page.content.decode(), re.S
    )
    assert log.group(0).count("ann-analyst") == 2 and "DOWNLOAD" in log.group(0)


def _client_with(*codenames: str) -> Client:
    viewer = make_user("vic-viewer")
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(viewer)
    return client


def test_without_the_view_permission_no_file_is_served_listed_or_logged(analyst_client, articles):
    _upload(analyst_client, articles, "a.png", tiny_png(), "image/png")
    client = _client_with("view_case", "view_documentrequirement")

    assert client.get(_file_url(articles, 1)).status_code == 403
    assert EvidenceAccess.objects.filter(requirement=articles.pk).count() == 0
    page = client.get(reverse("admin:cases_case_change", args=[articles.case_id])).content.decode()
    assert 'id="evidence-' not in page and "/files/1/" not in page
    refused = _upload(client, articles, "b.png", tiny_png("b"), "image/png")
    assert refused.status_code == 403
    assert EvidenceFile.objects.filter(requirement=articles.pk).count() == 1


def test_the_access_log_needs_its_own_permission(analyst_client, articles):
    _upload(analyst_client, articles, "a.png", tiny_png(), "image/png")
    analyst_client.get(_file_url(articles, 1, "view"))
    client = _client_with("view_case", "view_documentrequirement", "view_evidencefile")

    page = client.get(reverse("admin:cases_case_change", args=[articles.case_id])).content.decode()

    assert f'id="evidence-{articles.pk}"' in page and _file_url(articles, 1) in page
    assert "casemgmt-access-log" not in page
    assert "multipart/form-data" not in page and "needs cases.add_evidencefile" in page


def test_a_file_of_another_case_is_not_served_through_this_case(
    analyst_client, articles, document_rules
):
    from tests.integration.admin.conftest import KYB
    from tests.integration.helpers import open_case

    other = open_case({**KYB, "client_id": "kyb-other"})
    _upload(analyst_client, articles, "a.png", tiny_png(), "image/png")
    url = reverse("admin:cases_case_evidence_file", args=[other.pk, articles.pk, 1])
    assert analyst_client.get(url).status_code == 404
    assert EvidenceAccess.objects.filter(requirement=articles.pk).count() == 0


def _decide(client, requirement, status: str, **fields):
    requirement = DocumentRequirement.objects.get(pk=requirement.pk)
    prefix = f"req-{requirement.pk}-"
    form = {
        prefix + "new_status": status,
        prefix + "expected_version": requirement.version,
        prefix + "request_id": f"decide-{status}-{requirement.version}",
    }
    form.update({prefix + key: value for key, value in fields.items()})
    url = reverse("admin:cases_case_decide", args=[requirement.case_id, requirement.pk])
    return client.post(url, form, follow=True).content.decode()


def _last_status_event(requirement) -> dict:
    event = (
        StoredEvent.objects.filter(aggregate_id=requirement.pk, event_type="DocumentStatusUpdated")
        .order_by("-version")
        .first()
    )
    return event.payload


def test_verifying_names_the_version_decided_on(analyst_client, articles):
    _upload(analyst_client, articles, "v1.png", tiny_png("v1"), "image/png")
    _upload(analyst_client, articles, "v2.pdf", tiny_pdf("v2"), "application/pdf")

    html = _decide(analyst_client, articles, "VERIFIED_MANUAL", file_version="1")

    assert "UPLOADED → VERIFIED_MANUAL on version 1." in html
    assert DocumentRequirement.objects.get(pk=articles.pk).status == "VERIFIED_MANUAL"
    assert _last_status_event(articles)["file_version"] == 1


def test_a_rejection_can_request_a_new_upload_with_a_reason(analyst_client, articles):
    _upload(analyst_client, articles, "blurred.png", tiny_png("blur"), "image/png")

    refused = _decide(
        analyst_client, articles, "REJECTED", file_version="1", request_new_upload="on"
    )
    assert "say why a new upload is needed" in refused
    assert DocumentRequirement.objects.get(pk=articles.pk).status == "UPLOADED"

    html = _decide(
        analyst_client,
        articles,
        "REJECTED",
        file_version="1",
        request_new_upload="on",
        reason="The scan is blurred; upload a sharper one",
    )
    assert "UPLOADED → REJECTED on version 1; a new upload was requested." in html
    payload = _last_status_event(articles)
    assert (payload["file_version"], payload["request_new_upload"]) == (1, True)
    assert "blurred" in payload["reason"]
    # Rejected: no decision names a version any more; the client may upload again.
    assert f'name="req-{articles.pk}-file_version"' not in html
    assert (
        f'action="/admin/cases/case/{articles.case_id}/requirements/{articles.pk}/files/"' in html
    )


def test_a_version_that_does_not_exist_is_refused(analyst_client, articles):
    _upload(analyst_client, articles, "v1.png", tiny_png("v1"), "image/png")
    html = _decide(analyst_client, articles, "VERIFIED_MANUAL", file_version="7")
    assert "Version decided on: Select a valid choice" in html
    assert DocumentRequirement.objects.get(pk=articles.pk).status == "UPLOADED"


def test_the_dashboard_counts_verified_documents_expiring_in_30_days_and_lists_them(
    analyst_client, kyb_case
):
    soon, later = (
        DocumentRequirement.objects.get(case_id=kyb_case.pk, document_type=kind)
        for kind in ("ARTICLES_OF_ASSOCIATION", "COMPANY_REGISTRATION_CERTIFICATE")
    )
    today = timezone.localdate()
    for requirement, days in ((soon, 10), (later, 60)):
        expires = (today + timedelta(days=days)).isoformat()
        _upload(
            analyst_client,
            requirement,
            "doc.pdf",
            tiny_pdf(expires),
            "application/pdf",
            expires_on=expires,
        )
        _decide(analyst_client, requirement, "VERIFIED_MANUAL", file_version="1")

    index = analyst_client.get(reverse("admin:index")).content.decode()
    tile = re.search(r'id="dash-documents-expiring">(\d+)<', index)
    assert tile.group(1) == "1"
    listed = analyst_client.get(
        reverse("admin:cases_documentrequirement_changelist") + "?expiring=30"
    ).content.decode()
    assert f"/admin/cases/documentrequirement/{soon.pk}/change/" in listed
    assert f"/admin/cases/documentrequirement/{later.pk}/change/" not in listed


def test_an_upload_on_a_verified_requirement_is_refused_with_the_reason(analyst_client, articles):
    _upload(analyst_client, articles, "v1.png", tiny_png("v1"), "image/png")
    _decide(analyst_client, articles, "VERIFIED_MANUAL", file_version="1")
    page = analyst_client.get(reverse("admin:cases_case_change", args=[articles.case_id]))
    assert "VERIFIED_MANUAL is final: no further uploads." in page.content.decode()

    html = _upload(analyst_client, articles, "late.pdf", tiny_pdf("late"), "application/pdf")

    assert "Upload refused:" in html.content.decode()
    assert EvidenceFile.objects.filter(requirement=articles.pk).count() == 1


def test_a_version_deleted_for_retention_shows_why_and_is_gone(analyst_client, articles):
    from cases.evidence.services import delete_evidence

    _upload(analyst_client, articles, "old.png", tiny_png("old"), "image/png")
    _upload(analyst_client, articles, "new.pdf", tiny_pdf("new"), "application/pdf")
    delete_evidence(articles.pk, 1, "retention period over", "SYSTEM:retention")

    page = analyst_client.get(reverse("admin:cases_case_change", args=[articles.case_id]))
    html = page.content.decode()
    earlier = re.search(r'<tr data-version="1">.*?</tr>', html, re.S).group(0)
    assert "retention period over" in earlier and "/files/1/" not in earlier
    offered = re.search(rf'name="req-{articles.pk}-file_version"[^>]*>(.*?)</select>', html, re.S)
    assert re.findall(r'value="(\d+)"', offered.group(1)) == ["2"]  # a decision names v2 only
    gone = analyst_client.get(_file_url(articles, 1))
    assert gone.status_code == 410 and b"retention period over" in gone.content
    assert "no-store" in gone["Cache-Control"]  # the admin's never_cache


def test_a_file_far_over_the_limit_is_refused_unread_with_the_reason(
    analyst_client, articles, settings
):
    """Above the limit plus the form's allowance the upload handler refuses the body from its
    Content-Length; the CSRF check meets that refusal first (as in production), and the analyst
    is sent back to the requirement with the reason rather than a bare 400."""
    settings.EVIDENCE_MAX_BYTES = 200
    analyst_client.handler.enforce_csrf_checks = True  # the CSRF middleware parses the body
    big = tiny_pdf("x") + b"0" * (200 + 64 * 1024)
    prefix = f"upload-{articles.pk}-"
    url = reverse("admin:cases_case_evidence_upload", args=[articles.case_id, articles.pk])
    form = {prefix + "request_id": "up-big", prefix + "file": SimpleUploadedFile("big.pdf", big)}
    case_page = reverse("admin:cases_case_change", args=[articles.case_id])
    analyst_client.get(case_page)  # sets the CSRF cookie, so the check goes on to read the body

    refused = analyst_client.post(url, form)

    assert (refused.status_code, refused["Location"]) == (302, f"{case_page}#req-{articles.pk}")
    page = analyst_client.get(refused["Location"]).content.decode()
    assert "Upload refused, nothing stored: the file is larger than 200" in page
    assert EvidenceFile.objects.filter(requirement=articles.pk).count() == 0
    assert DocumentRequirement.objects.get(pk=articles.pk).status == "AWAITING_UPLOAD"


def test_an_oversized_body_elsewhere_in_the_back_office_is_a_413_that_says_so(settings):
    settings.EVIDENCE_MAX_BYTES = 200
    client = Client(enforce_csrf_checks=True)
    big = SimpleUploadedFile("big.bin", b"0" * (200 + 65 * 1024))
    client.get(reverse("admin:login"))  # the CSRF cookie
    refused = client.post(reverse("admin:login"), {"username": "x", "file": big})
    assert refused.status_code == 413
    assert b"Request refused, nothing stored: the body is larger" in refused.content


def test_a_file_whose_name_cleans_to_nothing_is_served_under_its_version(analyst_client, articles):
    """A name of control characters only is stored empty; the download still names a file."""
    from cases.evidence.commands import UploadEvidence
    from cases.evidence.services import upload_evidence

    upload_evidence(
        UploadEvidence(
            requirement_id=articles.pk,
            stream=io.BytesIO(tiny_pdf("nameless")),
            original_name="\x01\x7f",
            declared_type="application/pdf",
            actor="USER:ann-analyst",
        )
    )
    download = analyst_client.get(_file_url(articles, 1, "download"))
    _body(download)
    assert download["Content-Disposition"] == 'attachment; filename="version-1"'
