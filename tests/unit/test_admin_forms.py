"""The case page's forms (cases.admin.forms): choices from the lifecycle, metadata as JSON."""

from cases.admin.display import event_details, event_summary
from cases.admin.forms import CaseStatusForm, DocumentDecisionForm


def _decision(data: dict, current: str = "UPLOADED") -> DocumentDecisionForm:
    base = {"request_id": "r-1", "expected_version": 2, "new_status": "VERIFIED_MANUAL"}
    return DocumentDecisionForm({**base, **data}, version=2, current_status=current)


def test_status_form_offers_exactly_the_direct_lifecycle_moves():
    form = CaseStatusForm(version=1, current_status="IN_REVIEW")
    # APPROVED and REJECTED go through the four-eyes decision forms instead (SPEC §3a).
    assert [value for value, _ in form.fields["new_status"].choices] == ["CLOSED"]


def test_a_final_document_status_offers_no_decision():
    form = DocumentDecisionForm(version=1, current_status="VERIFIED_MANUAL")
    assert form.fields["new_status"].choices == []


def test_decision_metadata_must_be_a_json_object():
    assert _decision({"metadata": '{"checked_by": "video call"}'}).is_valid()
    assert _decision({"metadata": ""}).is_valid()
    not_object = _decision({"metadata": "[1]"})
    broken = _decision({"metadata": "{oops"})
    assert not not_object.is_valid() and "JSON object" in str(not_object.errors["metadata"])
    assert not broken.is_valid() and "not valid JSON" in str(broken.errors["metadata"])


def test_a_decision_not_allowed_from_the_current_status_is_invalid():
    assert not _decision({}, current="AWAITING_UPLOAD").is_valid()


def test_timeline_entries_read_as_sentences_without_repeating_row_ids():
    payload = {"case_id": "c1", "old_status": "OPEN", "new_status": "IN_REVIEW", "reason": "ok"}
    assert event_summary("CaseStatusChanged", payload) == "Status OPEN → IN_REVIEW — ok"
    assert event_details(payload) == [
        ("old status", "OPEN"),
        ("new status", "IN_REVIEW"),
        ("reason", "ok"),
    ]
    assert event_details({"types_of_control": ["SHARES", "VOTING"], "is_ubo": True}) == [
        ("types of control", "SHARES, VOTING"),
        ("is ubo", "yes"),
    ]


def test_client_update_reads_as_one_line_per_change():
    from cases.admin.display import client_changes

    changes = {
        "case_type": {"field": "case_type", "old": "COMPANY_STANDARD", "new": "EDD"},
        "company": [{"field": "registered_address.city", "old": "Paris", "new": "Lyon"}],
        "persons_added": ["Carl New"],
        "persons_removed": [{"party_id": "x", "name": "Ada Boss"}],
        "persons_changed": [],
        "owners_added": [],
        "owners_removed": [],
        "owners_changed": [
            {
                "name": "Olga Owner",
                "changes": [{"field": "is_ubo", "old": True, "new": False}],
            }
        ],
    }
    assert client_changes(changes) == [
        ("case type", "COMPANY_STANDARD → EDD"),
        ("company", "address city: Paris → Lyon"),
        ("person added", "Carl New"),
        ("person removed", "Ada Boss"),
        ("beneficial owner Olga Owner", "is ubo: yes → no"),
    ]
    assert event_summary("ClientDataUpdated", {"changes": changes}) == (
        "Client data updated: 5 changes"
    )


def _on_file(data: dict, versions: tuple[int, ...] = (2, 1)) -> DocumentDecisionForm:
    base = {"request_id": "r-1", "expected_version": 2, "new_status": "VERIFIED_MANUAL"}
    return DocumentDecisionForm(
        {**base, **data}, version=2, current_status="UPLOADED", file_versions=versions
    )


def test_a_decision_on_a_requirement_with_files_names_one_of_its_versions():
    form = DocumentDecisionForm(version=2, current_status="UPLOADED", file_versions=(2, 1))
    assert form.names_a_version and form.fields["file_version"].initial == 2
    earlier = _on_file({"file_version": "1"})
    assert earlier.is_valid() and earlier.cleaned_data["file_version"] == 1
    assert not _on_file({"file_version": "3"}).is_valid()
    without_files = DocumentDecisionForm(version=2, current_status="UPLOADED")
    assert not without_files.names_a_version and "reason" not in without_files.fields


def test_only_a_rejection_with_a_reason_requests_a_new_upload():
    rejected = {"new_status": "REJECTED", "file_version": "2", "request_new_upload": "on"}
    no_reason = _on_file(rejected)
    assert not no_reason.is_valid() and "say why" in str(no_reason.errors["reason"])
    assert _on_file({**rejected, "reason": "blurred scan"}).is_valid()
    verified = _on_file({"file_version": "2", "request_new_upload": "on", "reason": "x"})
    assert not verified.is_valid() and "only a rejection" in str(verified.errors)


def test_evidence_events_read_as_sentences_and_hide_the_storage_name():
    uploaded = {
        "version": 2,
        "original_name": "passport.pdf",
        "content_type": "application/pdf",
        "size": 1234,
        "storage_name": "req/file/abc",
    }
    assert event_summary("DocumentFileUploaded", uploaded) == (
        "File uploaded: version 2, passport.pdf (application/pdf, 1234 bytes)"
    )
    assert "storage name" not in dict(event_details(uploaded))
    decided = {"old_status": "UPLOADED", "new_status": "REJECTED", "file_version": 2}
    assert event_summary("DocumentStatusUpdated", {**decided, "request_new_upload": True}) == (
        "Document UPLOADED → REJECTED on version 2; new upload requested"
    )
    assert event_summary("DocumentExpired", {"version": 1, "expires_on": "2026-01-31"}) == (
        "Document expired on 2026-01-31 (version 1): re-opened"
    )
