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
