"""Document requirements over the API: determine, list with filters, read, history, decide."""

import uuid

import pytest

from cases.models import DocumentRequirement, StoredEvent
from tests.integration.api.payloads import KYB, KYC
from tests.integration.helpers import open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

DOCS = "/api/v1/documents"


def _person_requirement(case) -> DocumentRequirement:
    return DocumentRequirement.objects.filter(case_id=case.pk, document_type="PASSPORT").get()


def test_determining_requirements_twice_returns_the_same_ones_and_adds_nothing(make_caller):
    case = open_case(KYC)
    person = case.persons.get()
    caller = make_caller("cases.add_documentrequirement")
    body = {
        "case_id": str(case.pk),
        "entity_id": str(person.pk),
        "entity_type": "PERSON",
        "traitement_type": "KYC",
        "case_type": "INDIVIDUAL_STANDARD",
    }
    first = caller.post(f"{DOCS}/determine-requirements", body)
    again = caller.post(f"{DOCS}/determine-requirements", body)
    assert first.status_code == again.status_code == 200
    assert sorted(r["document_type"] for r in first.json()) == ["PASSPORT", "PROOF_OF_ADDRESS"]
    assert first.json() == again.json()
    assert DocumentRequirement.objects.filter(case_id=case.pk).count() == 2


def test_determining_for_someone_not_on_the_case_is_404_and_without_permission_403(make_caller):
    case = open_case(KYC)
    body = {
        "case_id": str(case.pk),
        "entity_id": str(uuid.uuid4()),
        "entity_type": "PERSON",
        "traitement_type": "KYC",
        "case_type": "INDIVIDUAL_STANDARD",
    }
    allowed = make_caller("cases.add_documentrequirement")
    assert allowed.post(f"{DOCS}/determine-requirements", body).status_code == 404
    bad_type = allowed.post(f"{DOCS}/determine-requirements", {**body, "entity_type": "PET"})
    assert bad_type.status_code == 422
    denied = make_caller("cases.view_documentrequirement")
    assert denied.post(f"{DOCS}/determine-requirements", body).status_code == 403


def test_case_requirements_filter_by_entity_type_status_and_is_required(make_caller):
    case = open_case(KYB)
    caller = make_caller("cases.view_documentrequirement")
    path = f"{DOCS}/case/{case.pk}"
    company = caller.get(path, entity_type="company").json()["items"]
    assert sorted(r["document_type"] for r in company) == [
        "ARTICLES_OF_ASSOCIATION",
        "COMPANY_REGISTRATION_CERTIFICATE",
    ]
    person_id = company[0]["entity_id"]
    assert len(caller.get(path, entity_id=person_id).json()["items"]) == 2
    assert caller.get(path, status="UPLOADED").json()["items"] == []
    assert len(caller.get(path, is_required="true", limit=3).json()["items"]) == 3
    assert caller.get(f"{DOCS}/case/{uuid.uuid4()}").status_code == 404


def test_a_document_decision_records_the_caller_and_shows_in_the_history(make_caller):
    case = open_case(KYC)
    requirement = _person_requirement(case)
    caller = make_caller("cases.change_documentrequirement", "cases.view_documentrequirement")
    response = caller.put(
        f"{DOCS}/{requirement.pk}/status",
        {
            "new_status": "UPLOADED",
            "metadata_changes": {"file": "passport.pdf"},
            "notes_to_add": ["scan is sharp"],
        },
    )
    assert response.status_code == 200
    assert response.json()["status"] == "UPLOADED"
    assert response.json()["metadata"] == {"file": "passport.pdf"}
    history = caller.get(f"{DOCS}/{requirement.pk}/history").json()
    actor = {"type": "TOKEN", "id": f"token-of-{caller.user.username}"}
    assert [(h["old_status"], h["new_status"], h["actor"]) for h in history] == [
        ("AWAITING_UPLOAD", "UPLOADED", actor)
    ]
    assert caller.get(f"{DOCS}/{requirement.pk}").json()["notes"][0]["text"] == "scan is sharp"


def test_an_illegal_document_move_is_409_and_a_claimed_other_actor_422(make_caller):
    requirement = _person_requirement(open_case(KYC))
    caller = make_caller("cases.change_documentrequirement")
    illegal = caller.put(f"{DOCS}/{requirement.pk}/status", {"new_status": "VERIFIED_MANUAL"})
    assert illegal.status_code == 409
    assert "NOT_APPLICABLE, UPLOADED" in illegal.json()["errors"][0]["msg"]
    impostor = caller.put(
        f"{DOCS}/{requirement.pk}/status",
        {"new_status": "UPLOADED", "updated_by_actor_type": "USER", "updated_by_actor_id": "boss"},
    )
    assert impostor.status_code == 422
    assert not StoredEvent.objects.filter(event_type="DocumentStatusUpdated").exists()


def test_document_reads_and_decisions_need_their_permissions(make_caller):
    requirement = _person_requirement(open_case(KYC))
    viewer = make_caller("cases.view_documentrequirement")
    assert viewer.get(f"{DOCS}/{requirement.pk}").status_code == 200
    assert (
        viewer.put(f"{DOCS}/{requirement.pk}/status", {"new_status": "UPLOADED"}).status_code == 403
    )
    assert make_caller().get(f"{DOCS}/{requirement.pk}/history").status_code == 403
    assert viewer.get(f"{DOCS}/{uuid.uuid4()}").status_code == 404
    assert viewer.get(f"{DOCS}/{uuid.uuid4()}/history").status_code == 404


@pytest.mark.parametrize(
    "metadata",
    [{"": "x"}, {".exe": "x"}, {"$set": "x"}, {"nested": {"": 1}}, {"nested": ["a"]}],
)
def test_metadata_the_database_cannot_store_is_422_and_nothing_is_recorded(make_caller, metadata):
    requirement = _person_requirement(open_case(KYC))
    caller = make_caller("cases.change_documentrequirement")
    events = StoredEvent.objects.count()
    response = caller.put(
        f"{DOCS}/{requirement.pk}/status",
        {"new_status": "UPLOADED", "metadata_changes": metadata},
    )
    assert response.status_code == 422, response.content[:300]
    assert response.json()["errors"][0]["loc"].startswith("body.metadata_changes")
    assert StoredEvent.objects.count() == events
