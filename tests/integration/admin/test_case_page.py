"""The case page and its actions through Django's test client (the browser suite covers fewer
paths, more slowly)."""

import re

import pytest
from django.urls import reverse

from cases.models import Case, DocumentRequirement, StoredEvent
from cases.workflow.commands import ChangeCaseStatus
from cases.workflow.services import change_case_status

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _page(client, case):
    return client.get(reverse("admin:cases_case_change", args=[case.pk]))


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_case_page_shows_company_persons_owners_requirements_and_timeline(analyst_client, kyb_case):
    response = _page(analyst_client, kyb_case)
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Admin Test SA",
        "1 Rue Test",
        "Ada Director",
        "Olga Owner",
        "60.0 %",
        "UBO",
        "ARTICLES_OF_ASSOCIATION",
        "PASSPORT_DIRECTOR_BO",
        "Case opened: KYB",
    ):
        assert text in html, text
    assert 'name="_save"' not in html  # no edit form for event-sourced data
    assert (
        html.count('data-event-type="') == StoredEvent.objects.filter(case_id=kyb_case.pk).count()
    )


def test_status_form_offers_only_the_allowed_moves_and_changes_the_status(analyst_client, kyb_case):
    html = _page(analyst_client, kyb_case).content.decode()
    offered = re.search(r'<select name="new_status"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'value="([A-Z_]+)"', offered) == ["CLOSED", "IN_REVIEW"]

    response = analyst_client.post(
        reverse("admin:cases_case_status", args=[kyb_case.pk]),
        {
            "new_status": "IN_REVIEW",
            "reason": "documents in",
            "expected_version": kyb_case.version,
            "request_id": "req-status-1",
        },
        follow=True,
    )

    assert "Case moved to IN_REVIEW" in response.content.decode()
    assert Case.objects.get(pk=kyb_case.pk).status == "IN_REVIEW"


def test_a_refused_move_says_which_moves_are_allowed(analyst_client, kyb_case):
    response = analyst_client.post(
        reverse("admin:cases_case_status", args=[kyb_case.pk]),
        {"new_status": "APPROVED", "expected_version": kyb_case.version, "request_id": "req-bad"},
        follow=True,
    )
    html = response.content.decode()
    assert "Refused: APPROVED is reached only through the four-eyes decision" in html
    assert "a direct status change from OPEN allows: CLOSED, IN_REVIEW" in html
    assert Case.objects.get(pk=kyb_case.pk).status == "OPEN"


def test_a_stale_page_gets_changed_by_someone_else_reload(analyst_client, kyb_case):
    html = _page(analyst_client, kyb_case).content.decode()
    seen_version = int(_hidden(html, "expected_version"))
    change_case_status(ChangeCaseStatus(case_id=kyb_case.pk, new_status="IN_REVIEW", actor="bob"))

    response = analyst_client.post(
        reverse("admin:cases_case_note", args=[kyb_case.pk]),
        {"text": "late note", "expected_version": seen_version, "request_id": "req-note-stale"},
        follow=True,
    )

    assert "Changed by someone else" in response.content.decode()
    assert Case.objects.get(pk=kyb_case.pk).notes == []


def test_a_double_submitted_note_is_added_once(analyst_client, kyb_case):
    form = {
        "text": "called the client",
        "expected_version": kyb_case.version,
        "request_id": "req-note-1",
    }
    url = reverse("admin:cases_case_note", args=[kyb_case.pk])
    analyst_client.post(url, form)
    analyst_client.post(url, form)
    notes = Case.objects.get(pk=kyb_case.pk).notes
    assert [(n["author"], n["text"]) for n in notes] == [("USER:ann-analyst", "called the client")]


def test_deciding_a_document_records_history_metadata_and_notes(analyst_client, kyb_case):
    requirement = DocumentRequirement.objects.get(
        case_id=kyb_case.pk, document_type="ARTICLES_OF_ASSOCIATION"
    )
    url = reverse("admin:cases_case_decide", args=[kyb_case.pk, requirement.pk])
    prefix = f"req-{requirement.pk}-"
    for step, status in enumerate(("UPLOADED", "VERIFIED_MANUAL")):
        analyst_client.post(
            url,
            {
                prefix + "new_status": status,
                prefix + "notes": f"step {step}",
                prefix + "metadata": '{"checked": "scan"}' if step else "",
                prefix + "expected_version": step + 1,
                prefix + "request_id": f"req-doc-{step}",
            },
        )
    requirement.refresh_from_db()
    assert requirement.status == "VERIFIED_MANUAL"
    assert [h["new_status"] for h in requirement.history] == ["UPLOADED", "VERIFIED_MANUAL"]
    assert requirement.metadata["checked"] == "scan"
    page = analyst_client.get(
        reverse("admin:cases_documentrequirement_change", args=[requirement.pk])
    )
    assert page.content.decode().count('class="history-row"') == 2


def test_bad_metadata_is_refused_with_the_reason(analyst_client, kyb_case):
    requirement = DocumentRequirement.objects.filter(case_id=kyb_case.pk).first()
    prefix = f"req-{requirement.pk}-"
    response = analyst_client.post(
        reverse("admin:cases_case_decide", args=[kyb_case.pk, requirement.pk]),
        {
            prefix + "new_status": "UPLOADED",
            prefix + "metadata": "[1, 2]",
            prefix + "expected_version": requirement.version,
            prefix + "request_id": "req-doc-bad",
        },
        follow=True,
    )
    assert "must be a JSON object" in response.content.decode()
    assert DocumentRequirement.objects.get(pk=requirement.pk).status == "AWAITING_UPLOAD"


def test_no_document_decision_is_preselected_and_an_empty_one_is_refused(analyst_client, kyb_case):
    requirement = DocumentRequirement.objects.filter(case_id=kyb_case.pk).first()
    prefix = f"req-{requirement.pk}-"
    page = analyst_client.get(reverse("admin:cases_case_change", args=[kyb_case.pk]))
    assert '<option value="" selected>— choose a decision —</option>' in page.content.decode()

    response = analyst_client.post(
        reverse("admin:cases_case_decide", args=[kyb_case.pk, requirement.pk]),
        {
            prefix + "new_status": "",
            prefix + "expected_version": requirement.version,
            prefix + "request_id": "req-doc-empty",
        },
        follow=True,
    )
    assert "choose a decision for" in response.content.decode()
    assert DocumentRequirement.objects.get(pk=requirement.pk).history == []


def test_determining_requirements_for_a_party_adds_what_new_rules_require(analyst_client, kyb_case):
    from cases.models import DocumentRule

    DocumentRule.objects.create(
        traitement_type="KYB", entity_type="COMPANY", document_type="PROOF_OF_ACTIVITY"
    )
    response = analyst_client.post(
        reverse("admin:cases_case_determine", args=[kyb_case.pk]),
        {"party": f"COMPANY:{kyb_case.company_id}", "request_id": "req-det-1"},
        follow=True,
    )
    assert "Requirements determined" in response.content.decode()
    assert DocumentRequirement.objects.filter(
        case_id=kyb_case.pk, document_type="PROOF_OF_ACTIVITY"
    ).exists()


def test_a_user_without_change_permission_sees_no_action_forms(
    lead_client, kyb_case, django_user_model
):
    from django.contrib.auth.models import Permission
    from django.test import Client

    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_case"))
    client = Client()
    client.force_login(viewer)
    html = _page(client, kyb_case).content.decode()
    assert "status-form" not in html and "note-form" not in html
    response = client.post(reverse("admin:cases_case_note", args=[kyb_case.pk]), {"text": "x"})
    assert response.status_code == 403
