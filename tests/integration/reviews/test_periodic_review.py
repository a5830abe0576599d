"""Periodic review against the real database (SPEC §3d): the next date an approval sets, the
due check opening one review case per due client however often and however concurrently it
runs, the review's screening and requirements, and the rebuild."""

from __future__ import annotations

import io
import subprocess
import sys
import uuid
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cases.client_updates.services import open_or_update
from cases.core import events as ev
from cases.core.periodic import run_periodic_checks
from cases.core.rebuild import READ_MODELS
from cases.documents.commands import UpdateDocumentStatus
from cases.documents.services import update_document_status
from cases.evidence.commands import UploadEvidence
from cases.evidence.services import decide_document, upload_evidence
from cases.intake.commands import CreateCase
from cases.intake.contract import validate_payload
from cases.models import (
    Case,
    Client,
    DocumentRequirement,
    DocumentRule,
    Notification,
    NotificationRule,
    Person,
    ReviewCadence,
    ScreeningRequest,
    StoredEvent,
)
from cases.reviews.cadence import DEFAULT_CADENCES, add_months
from cases.reviews.services import open_due_reviews
from cases.workflow.commands import (
    ApproveDecision,
    AssignCase,
    ChangeCaseStatus,
    ProposeDecision,
)
from cases.workflow.rules import LEAD_GROUP
from cases.workflow.services import (
    approve_decision,
    assign_case,
    change_case_status,
    propose_decision,
)
from tests import evidence_files
from tests.integration.consumer_process import REPO_ROOT, consumer_env
from tests.integration.helpers import open_case, settle_documents
from tests.integration.test_client_race import in_parallel
from tests.integration.test_ingest_pipeline import snapshot

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules", "risk_model", "cadences", "team"),
]

KYC = {
    "client_id": "rev-1",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [
        {"firstname": "Ada", "lastname": "Lovelace", "birthdate": "1985-12-10"},
        {"firstname": "Charles", "lastname": "Babbage", "birthdate": "1971-12-26"},
    ],
}
KYB = {
    "client_id": "rev-kyb",
    "version": "1.0",
    "type": "CORPORATE_STANDARD",
    "traitement_type": "KYB",
    "persons": [{"firstname": "Grace", "lastname": "Hopper", "role_in_company": "Director"}],
    "company_profile": {
        "registered_name": "Analytical Engines Ltd",
        "registration_number": "AE-1843",
        "country_of_incorporation": "GB",
        "registered_address": {"city": "London", "country": "GB"},
    },
    "beneficial_owners": [
        {
            "person_details": {"firstname": "Ada", "lastname": "Lovelace"},
            "ownership_percentage": 60.0,
            "is_ubo": True,
        }
    ],
}


def to_review(case_id: uuid.UUID) -> None:
    case = Case.objects.get(pk=case_id)
    if case.status == "OPEN":
        change_case_status(ChangeCaseStatus(case_id, "IN_REVIEW", "USER:ana"))
    assign_case(AssignCase(case_id, "ana", "USER:ana"))


def approve(case_id: uuid.UUID, **when) -> Case:
    """Propose as ana, approve as bob (lea for EDD); documents must be settled already."""
    case = propose_decision(ProposeDecision(case_id, "APPROVED", "checked", "ana"))
    approver = "lea" if case.approval_group == LEAD_GROUP else "bob"
    return approve_decision(ApproveDecision(case_id, approver, **when))


def approved(payload: dict, **when) -> tuple[Case, Client]:
    case = open_case(payload)
    to_review(case.id)
    settle_documents(case.id)
    case = approve(case.id, **when)
    return case, Client.objects.get(client_id=payload["client_id"])


def set_status(requirement: DocumentRequirement, *statuses: str, **metadata) -> None:
    for status in statuses:
        update_document_status(
            UpdateDocumentStatus(requirement.id, status, "USER", "ana", metadata, [])
        )


def review_events(case_id: uuid.UUID) -> list[StoredEvent]:
    return list(StoredEvent.objects.filter(case_id=case_id, event_type=ev.REVIEW_CASE_OPENED))


@pytest.mark.parametrize(
    ("case_type", "level", "months"),
    [("INDIVIDUAL_STANDARD", "LOW", 60), ("ENHANCED_DUE_DILIGENCE", "HIGH", 12)],
)
def test_an_approval_sets_the_next_review_from_the_cadence_of_the_level(case_type, level, months):
    case, client = approved({**KYC, "type": case_type})

    assert case.risk_level == level  # rated at creation (cases.risk)
    [scheduled] = StoredEvent.objects.filter(case_id=case.id, event_type=ev.REVIEW_SCHEDULED)
    approved_at = StoredEvent.objects.get(
        case_id=case.id, event_type=ev.DECISION_APPROVED
    ).occurred_at
    assert (scheduled.payload["level"], scheduled.payload["cadence_months"]) == (level, months)
    assert client.next_review_at == add_months(approved_at, months)
    assert client.reviewed_case_id == case.id
    assert client.review_level == level


def test_an_edited_cadence_applies_from_the_next_approval():
    ReviewCadence.objects.filter(level="LOW").update(months=7)

    case, client = approved(KYC)

    approved_at = StoredEvent.objects.get(
        case_id=case.id, event_type=ev.DECISION_APPROVED
    ).occurred_at
    assert client.next_review_at == add_months(approved_at, 7)


def test_a_rejection_schedules_no_review():
    case = open_case(KYC)
    to_review(case.id)
    propose_decision(ProposeDecision(case.id, "REJECTED", "fraud", "ana"))
    approve_decision(ApproveDecision(case.id, "bob"))

    assert Client.objects.get(client_id="rev-1").next_review_at is None
    assert not StoredEvent.objects.filter(event_type=ev.REVIEW_SCHEDULED).exists()


def test_a_review_opens_once_when_due_and_not_before_with_its_parties_screened():
    case, client = approved(KYC)
    due = client.next_review_at

    assert open_due_reviews(now=due - timedelta(seconds=1)) == []
    [review_id] = open_due_reviews(now=due + timedelta(seconds=1))
    assert open_due_reviews(now=due + timedelta(days=1)) == []  # a second run: nothing
    assert run_periodic_checks(now=due + timedelta(days=2))["reviews_due"] == []

    review = Case.objects.get(pk=review_id)
    assert review.case_type == "PERIODIC_REVIEW"
    assert review.client_id == "rev-1"
    assert review.status == "OPEN"
    [opened] = review_events(review_id)
    assert opened.payload["previous_case_id"] == str(case.id)
    assert opened.payload["due_at"].startswith(due.isoformat()[:19])
    names = sorted(
        (p.firstname, p.lastname, p.birthdate) for p in Person.objects.filter(case=review)
    )
    assert names == [
        ("Ada", "Lovelace", date(1985, 12, 10)),
        ("Charles", "Babbage", date(1971, 12, 26)),
    ]
    [screening] = ScreeningRequest.objects.filter(case_id=review_id)
    assert screening.reason == "CASE_CREATED"
    assert {p["party_id"] for p in screening.parties} == {
        str(p.id) for p in Person.objects.filter(case=review)
    }
    client.refresh_from_db()
    assert client.has_open_case and client.open_case_id == review_id
    assert client.next_review_at is None and client.review_due_at == due
    assert client.last_review_case_id == review_id
    assert Case.objects.filter(client_id="rev-1").count() == 2


def test_two_checks_at_the_same_instant_open_one_review_case():
    _, client = approved(KYC)
    now = client.next_review_at + timedelta(hours=1)

    outcomes = in_parallel(lambda: open_due_reviews(now=now), lambda: open_due_reviews(now=now))

    reviews = Case.objects.filter(client_id="rev-1", case_type="PERIODIC_REVIEW")
    assert reviews.count() == 1
    assert len(review_events(reviews[0].id)) == 1
    assert {tuple(o) for o in outcomes} <= {(reviews[0].id,), ()}
    claims = StoredEvent.objects.filter(event_type="ClientCaseOpened", payload__client_id="rev-1")
    assert [c.version for c in claims] == [2]  # the review's claim, once (helper opened v1)


def test_no_review_opens_while_the_client_has_an_open_case():
    _, client = approved(KYC)
    update = CreateCase(
        source=f"test:{uuid.uuid4()}",
        message=validate_payload(KYC),
        occurred_at=timezone.now(),
    )
    open_or_update(update)  # upstream sends the client again: a new case opens

    assert open_due_reviews(now=client.next_review_at + timedelta(days=1)) == []
    assert not Case.objects.filter(case_type="PERIODIC_REVIEW").exists()


def test_requirements_are_carried_when_still_verified_and_asked_alike_otherwise_reopened():
    case = open_case(KYC)
    to_review(case.id)
    ada, charles = Person.objects.filter(case=case).order_by("position")
    reqs = {
        (r.entity_id, r.document_type): r for r in DocumentRequirement.objects.filter(case=case)
    }
    set_status(reqs[ada.id, "PASSPORT"], "UPLOADED", "VERIFIED_MANUAL")  # carried
    set_status(reqs[ada.id, "PROOF_OF_ADDRESS"], "UPLOADED", "VERIFIED_SYSTEM")  # rule changes
    set_status(reqs[charles.id, "PASSPORT"], "UPLOADED", "VERIFIED_MANUAL", expires_on="2020-01-01")
    set_status(reqs[charles.id, "PROOF_OF_ADDRESS"], "NOT_APPLICABLE")  # never verified
    approve(case.id)
    DocumentRule.objects.filter(document_type="PROOF_OF_ADDRESS").update(is_required=False)
    DocumentRule.objects.create(
        traitement_type="KYC", entity_type="PERSON", case_type="", document_type="TAX_ID"
    )

    [review_id] = open_due_reviews(
        now=Client.objects.get(client_id="rev-1").next_review_at + timedelta(minutes=1)
    )

    new_ada, new_charles = Person.objects.filter(case_id=review_id).order_by("position")
    got = {
        (r.entity_id, r.document_type): r
        for r in DocumentRequirement.objects.filter(case_id=review_id)
    }
    carried = got[new_ada.id, "PASSPORT"]
    assert carried.status == "VERIFIED_MANUAL"
    assert carried.metadata["carried_from"] == str(reqs[ada.id, "PASSPORT"].id)
    assert carried.metadata["carried_from_case"] == str(case.id)
    assert {key: r.status for key, r in got.items() if r is not carried} == {
        (new_ada.id, "PROOF_OF_ADDRESS"): "AWAITING_UPLOAD",
        (new_ada.id, "TAX_ID"): "AWAITING_UPLOAD",
        (new_charles.id, "PASSPORT"): "AWAITING_UPLOAD",
        (new_charles.id, "PROOF_OF_ADDRESS"): "AWAITING_UPLOAD",
        (new_charles.id, "TAX_ID"): "AWAITING_UPLOAD",
    }
    [opened] = review_events(review_id)
    assert opened.payload["carried_requirement_ids"] == [str(carried.id)]


def test_a_verified_file_that_expires_before_the_review_is_not_carried():
    """The review may open before the expiry check re-opens the requirement (both run in one
    round): the verified file's own expiry date decides, not only the status."""
    case = open_case(KYC)
    to_review(case.id)
    ada, charles = Person.objects.filter(case=case).order_by("position")
    passports = {
        r.entity_id: r
        for r in DocumentRequirement.objects.filter(case=case, document_type="PASSPORT")
    }
    today = timezone.now().date()
    for person, expires_on in ((ada, today + timedelta(days=365)), (charles, date(2099, 1, 1))):
        upload_evidence(
            UploadEvidence(
                passports[person.id].id,
                io.BytesIO(evidence_files.pdf()),
                "passport.pdf",
                "application/pdf",
                "USER:ana",
                expires_on=expires_on,
            )
        )
        decide_document(
            UpdateDocumentStatus(
                passports[person.id].id, "VERIFIED_MANUAL", "USER", "ana", {}, [], file_version=1
            )
        )
    for requirement in DocumentRequirement.objects.filter(case=case, status="AWAITING_UPLOAD"):
        set_status(requirement, "NOT_APPLICABLE")
    approve(case.id)
    due = Client.objects.get(client_id="rev-1").next_review_at  # LOW: five years on

    [review_id] = open_due_reviews(now=due + timedelta(minutes=1))

    new_ada, new_charles = Person.objects.filter(case_id=review_id).order_by("position")
    review_passports = {
        r.entity_id: r
        for r in DocumentRequirement.objects.filter(case_id=review_id, document_type="PASSPORT")
    }
    assert review_passports[new_ada.id].status == "AWAITING_UPLOAD"
    assert "carried_from" not in review_passports[new_ada.id].metadata
    assert review_passports[new_charles.id].status == "VERIFIED_MANUAL"
    assert review_passports[new_charles.id].metadata["carried_from"] == str(
        passports[charles.id].id
    )


def test_approving_the_review_sets_the_next_date_and_the_rebuild_matches():
    NotificationRule.objects.filter(trigger="REVIEW_DUE").delete()
    NotificationRule.objects.create(
        trigger="REVIEW_DUE", notification_type="REVIEW_DUE", template_id="review_due_v1"
    )
    case, client = approved(KYB)
    first_due = client.next_review_at
    [review_id] = open_due_reviews(now=first_due + timedelta(minutes=1))
    open_due_reviews(now=first_due + timedelta(minutes=2))
    assert (
        Notification.objects.filter(case_id=review_id)
        .filter(envelope__payload__trigger="REVIEW_DUE")
        .count()
        == 1
    )
    review = Case.objects.get(pk=review_id)
    assert review.company_id and review.company_id != case.company_id

    to_review(review_id)
    settle_documents(review_id)
    approve(review_id)

    client.refresh_from_db()
    approved_at = StoredEvent.objects.get(
        case_id=review_id, event_type=ev.DECISION_APPROVED
    ).occurred_at
    assert client.next_review_at == add_months(approved_at, DEFAULT_CADENCES[review.risk_level])
    assert client.reviewed_case_id == review_id
    assert client.last_review_case_id == review_id
    assert client.next_review_at > first_due

    live = snapshot(READ_MODELS)
    call_command("rebuild_projections", stdout=io.StringIO(), stderr=io.StringIO())
    assert snapshot(READ_MODELS) == live


def test_two_check_processes_started_together_open_one_review_case(tmp_path):
    """`manage.py check_overdue` twice at once, as two OS processes on the test database."""
    case = open_case(KYC)
    to_review(case.id)
    settle_documents(case.id)
    propose_decision(ProposeDecision(case.id, "APPROVED", "checked", "ana"))
    ReviewCadence.objects.update(months=12)
    long_ago = timezone.now() - timedelta(days=400)  # approved 13 months ago: due now
    approve_decision(ApproveDecision(case.id, "bob", occurred_at=long_ago))
    env = consumer_env(
        mongodb_uri=settings.MONGODB_URI,
        db_name=connection.settings_dict["NAME"],
        bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
        topic=f"reviews-{uuid.uuid4().hex[:6]}",
    )
    command = [sys.executable, "manage.py", "check_overdue"]
    runs = [
        subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    [review] = Case.objects.filter(client_id="rev-1", case_type="PERIODIC_REVIEW")
    assert len(review_events(review.id)) == 1
    counts = sorted(word for out in outputs for word in out.split() if "reviews_due=" in word)
    assert counts in (
        ["reviews_due=0", "reviews_due=1"],
        ["reviews_due=1", "reviews_due=1"],  # both found it due; the second stored nothing new
    )


def test_a_client_approved_before_reviews_existed_is_scheduled_once_from_its_approval():
    from cases.core import event_store, projections
    from cases.workflow.handlers import handle_approve_decision
    from cases.workflow.services import resolve_actor, workflow_state

    ReviewCadence.objects.update(months=12)
    case = open_case(KYC)
    to_review(case.id)
    settle_documents(case.id)
    propose_decision(ProposeDecision(case.id, "APPROVED", "checked", "ana"))
    long_ago = timezone.now() - timedelta(days=900)
    # What an approval appended before migration 0024: no ReviewScheduled.
    events = handle_approve_decision(
        ApproveDecision(case.id, "bob", occurred_at=long_ago),
        workflow_state(Case.objects.get(pk=case.id)),
        resolve_actor("bob"),
    )
    event_store.append(events)
    projections.project(events)
    assert Client.objects.get(client_id="rev-1").next_review_at is None

    out = io.StringIO()
    call_command("schedule_reviews", stdout=out)
    call_command("schedule_reviews", stdout=out)

    assert out.getvalue().split() == ["scheduled=1", "scheduled=0"]
    client = Client.objects.get(client_id="rev-1")
    approved_at = StoredEvent.objects.get(case_id=case.id, event_type=ev.DECISION_APPROVED)
    assert client.next_review_at == add_months(approved_at.occurred_at, 12)
    assert client.reviewed_case_id == case.id
    [review_id] = open_due_reviews()  # approved 30 months ago: due at once
    assert review_events(review_id)[0].payload["previous_case_id"] == str(case.id)
