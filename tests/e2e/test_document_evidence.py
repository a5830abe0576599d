"""Document evidence in a real browser (SPEC §5a): an analyst uploads a PDF and a PNG on the
case page, sees both inline (the PDF in Chromium's viewer, the PNG as an image), and verifies
the passport naming the version she looked at. Saves docs/screenshots/document_evidence.png.
"""

import io
from pathlib import Path

import pytest

from cases.admin.groups import ANALYST, ensure_back_office_user
from cases.documents.rules import seed_document_rules
from cases.models import DocumentRequirement, DocumentRule, EvidenceAccess
from tests.e2e.test_workflow_four_eyes import PASSWORD, log_in
from tests.evidence_files import tiny_pdf, tiny_png
from tests.integration.helpers import open_case

pytestmark = [pytest.mark.integration]

EVIDENCE_SCREENSHOT = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "document_evidence.png"
)
KYC = {
    "client_id": "kyc-evidence-e2e",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Grace", "lastname": "Hopper", "birthdate": "1906-12-09"}],
}


@pytest.fixture
def kyc_case(transactional_db):
    seed_document_rules(DocumentRule)
    user, _ = ensure_back_office_user("ana", PASSWORD, ANALYST)
    user.set_password(PASSWORD)
    user.save()
    return open_case(KYC)


def _requirement(case, document_type: str) -> DocumentRequirement:
    return DocumentRequirement.objects.get(case_id=case.pk, document_type=document_type)


def _wait_for_preview_logged(page, requirement, seconds: float = 10) -> None:
    for _ in range(int(seconds * 5)):
        if EvidenceAccess.objects.filter(requirement=requirement.pk, action="PREVIEW").exists():
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"no PREVIEW access logged for {requirement.document_type}")


def _wait_for_pdf_page_drawn(page, viewer, seconds: float = 10) -> None:
    """The viewer is another process: wait until its area shows a white page on the viewer's
    dark background (the fallback link would be all light, a failed load all dark)."""
    from PIL import Image

    for _ in range(int(seconds * 4)):
        grey = Image.open(io.BytesIO(viewer.screenshot())).convert("L").histogram()
        total = sum(grey)
        if sum(grey[246:]) > total // 5 and sum(grey[:70]) > total // 10:
            return
        page.wait_for_timeout(250)
    raise AssertionError("Chromium's PDF viewer drew no page")


def _screenshot_whole(page, section, pdf) -> None:
    """Chromium leaves the PDF viewer's pixels out of a capture that has to scroll or grow the
    page, so the window is first made tall enough to show the whole section at once."""
    viewport = page.viewport_size
    height = int(section.bounding_box()["height"]) + 40
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    section.scroll_into_view_if_needed()
    _wait_for_pdf_page_drawn(page, pdf)
    section.screenshot(path=str(EVIDENCE_SCREENSHOT))
    page.set_viewport_size(viewport)


def _upload(page, requirement, path: Path, expires_on: str = "") -> None:
    form = page.locator(f"#evidence-{requirement.pk} form.casemgmt-upload-form")
    form.locator("input[type=file]").set_input_files(str(path))
    if expires_on:
        form.locator("input[name$=expires_on]").fill(expires_on)
    form.locator("input[type=submit]").click()
    page.wait_for_selector(f"text={path.name} stored as version")


def test_an_analyst_uploads_a_pdf_and_an_image_sees_them_and_verifies_a_version(
    live_server_url, chromium_page, screenshot, kyc_case, tmp_path
):
    page, base = chromium_page, live_server_url
    passport = _requirement(kyc_case, "PASSPORT")
    address = _requirement(kyc_case, "PROOF_OF_ADDRESS")
    (tmp_path / "passport.pdf").write_bytes(tiny_pdf("PASSPORT  Grace Hopper  P1234567"))
    (tmp_path / "utility-bill.png").write_bytes(tiny_png("Utility bill - 1 Navy Way"))
    log_in(page, base, "ana")
    page.goto(f"{base}/admin/cases/case/{kyc_case.pk}/change/")

    _upload(page, passport, tmp_path / "passport.pdf", expires_on="2031-05-01")
    _upload(page, address, tmp_path / "utility-bill.png")

    passport_block = page.locator(f"#evidence-{passport.pk}")
    pdf = passport_block.locator("object.casemgmt-preview-pdf")
    pdf.scroll_into_view_if_needed()
    assert pdf.get_attribute("type") == "application/pdf"
    image = page.locator(f"#evidence-{address.pk} img.casemgmt-preview")
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert image.evaluate("img => img.naturalWidth") == 320
    assert "2031-05-01" in passport_block.inner_text()
    passport_block.scroll_into_view_if_needed()
    _wait_for_preview_logged(page, passport)  # Chromium's viewer fetched it through the view
    _wait_for_pdf_page_drawn(page, pdf)
    EVIDENCE_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    _screenshot_whole(page, page.locator("#requirements"), pdf)

    row = page.locator(f"#req-{passport.pk}")
    row.locator("select[name$=new_status]").select_option("VERIFIED_MANUAL")
    assert row.locator("select[name$=file_version]").input_value() == "1"
    row.locator("textarea[name$=notes]").fill("Photo page matches the client")
    row.locator("input[type=submit]").click()
    page.wait_for_selector("text=PASSPORT: UPLOADED → VERIFIED_MANUAL on version 1.")

    assert _requirement(kyc_case, "PASSPORT").status == "VERIFIED_MANUAL"
    assert page.locator(f"#req-{passport.pk} .casemgmt-doc-status").inner_text() == (
        "VERIFIED_MANUAL"
    )
    log = page.locator(f"#evidence-{passport.pk} details.casemgmt-access-log")
    log.locator("summary").click()
    assert "PREVIEW" in log.inner_text() and "ana" in log.inner_text()
    screenshot("document-evidence-verified")
