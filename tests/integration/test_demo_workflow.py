"""What scripts/run.sh relies on: `seed_demo_workflow` takes the demo cases to every workflow
state through the real services (a second run changes nothing), `wait_for_consumer`'s view of
a group's progress, and `produce_sample_events --if-empty`."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from confluent_kafka import Consumer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from cases.management.demo_risk import REVIEW_CLIENT, RISK_CLIENTS
from cases.models import Case, DocumentRequirement, EvidenceFile, StoredEvent
from cases.workflow.rules import ANALYST_GROUP
from kafka_integration.lag import GroupProgress, group_progress, topic_records
from kafka_integration.sample_events import kyb_event, kyc_event
from tests.integration.helpers import make_user, open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules", "risk_model"),
]


@pytest.fixture
def demo_cases(settings) -> dict[str, Case]:
    settings.DEBUG = True
    make_user("boss", superuser=True)
    make_user("ana", ANALYST_GROUP)
    rng = random.Random(7)
    kinds = {
        "kyc": {**kyc_event(rng, 1), "type": "INDIVIDUAL_STANDARD"},
        "kyc-edd": {**kyc_event(rng, 2), "type": "ENHANCED_DUE_DILIGENCE"},
        "kyb": {**kyb_event(rng, 3), "type": "COMPANY_STANDARD"},
        "kyb-edd": {**kyb_event(rng, 4), "type": "ENHANCED_DUE_DILIGENCE"},
        "untouched": {**kyc_event(rng, 5), "type": "INDIVIDUAL_STANDARD"},
    }
    return {name: open_case(payload) for name, payload in kinds.items()}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo_workflow", admin="boss", analyst="ana", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_demo_workflow_leaves_a_case_in_every_state_and_a_second_run_changes_nothing(
    demo_cases,
):
    printed = seed()
    cases = {name: Case.objects.get(pk=case.pk) for name, case in demo_cases.items()}

    assert (cases["kyc"].status, cases["kyc"].assignee) == ("IN_REVIEW", "ana")
    assert cases["kyb-edd"].status == "PENDING_APPROVAL"
    assert cases["kyb-edd"].proposed_by == "ana"
    assert cases["kyc-edd"].status == "APPROVED"
    assert cases["kyb"].status == "REJECTED"
    # The oldest case of a kind plays the scenario; the later one stays in the queue.
    assert (cases["untouched"].status, cases["untouched"].assignee) == ("OPEN", None)
    states = set(DocumentRequirement.objects.values_list("status", flat=True))
    assert {"UPLOADED", "REJECTED", "VERIFIED_MANUAL", "NOT_APPLICABLE"} <= states
    assert "PENDING_APPROVAL" in printed and "awaiting approval" in printed
    # Every document that moved past the upload holds a real file, sniffed from its bytes, and
    # a decision on it names the version it was made on (SPEC §5a). A review case's carried
    # requirement keeps its files on the earlier requirement it names.
    moved = [
        r.pk
        for r in DocumentRequirement.objects.exclude(
            status__in=["AWAITING_UPLOAD", "NOT_APPLICABLE"]
        )
        if "carried_from" not in r.metadata
    ]
    files = {row.requirement_id: row for row in EvidenceFile.objects.all()}
    assert moved and set(moved) <= set(files)
    assert {row.content_type for row in files.values()} == {"application/pdf", "image/png"}
    decided = StoredEvent.objects.filter(
        event_type="DocumentStatusUpdated", payload__new_status__in=["VERIFIED_MANUAL", "REJECTED"]
    )
    assert decided.exists() and {e.payload["file_version"] for e in decided} == {1}

    events_before = StoredEvent.objects.count()
    assert seed() == printed
    assert StoredEvent.objects.count() == events_before
    assert EvidenceFile.objects.count() == len(files)


def test_the_demo_shows_every_risk_level_an_override_for_a_lead_and_a_review_that_fell_due(
    demo_cases,
):
    printed = seed()

    rated = {
        level: Case.objects.get(client_id=record["client_id"])
        for level, record in RISK_CLIENTS.items()
    }
    assert {level: case.risk_level for level, case in rated.items()} == {
        level: level for level in RISK_CLIENTS
    }
    assert all(case.risk_factors for level, case in rated.items() if level != "LOW")
    pending = rated["MEDIUM"].risk_override
    assert (pending["level"], pending["proposed_by"]) == ("HIGH", "ana")
    review = Case.objects.get(client_id=REVIEW_CLIENT["client_id"], case_type="PERIODIC_REVIEW")
    opened = StoredEvent.objects.get(case_id=review.pk, event_type="ReviewCaseOpened")
    assert opened.payload["due_at"] < review.created_at.isoformat()  # it opened because due
    approved = Case.objects.get(client_id=REVIEW_CLIENT["client_id"], status="APPROVED")
    assert approved.created_at < review.created_at - timedelta(days=5 * 365)
    assert "awaiting a lead" in printed and "PERIODIC_REVIEW demo-review-due" in printed

    events_before = StoredEvent.objects.count()
    assert seed() == printed
    assert StoredEvent.objects.count() == events_before


def test_the_demo_workflow_names_the_step_refused_for_an_unknown_analyst(demo_cases):
    with pytest.raises(CommandError, match="nobody is not an active analyst"):
        call_command("seed_demo_workflow", admin="boss", analyst="nobody", stdout=StringIO())


def test_group_progress_counts_what_the_group_committed_and_if_empty_publishes_nothing_twice():
    topic = f"{settings.KAFKA_TOPIC_NAME}.lag-{uuid.uuid4().hex[:8]}"
    group = f"lag-{uuid.uuid4().hex[:8]}"
    servers = settings.KAFKA_BOOTSTRAP_SERVERS
    call_command(
        "produce_sample_events", count=3, topic=topic, seed=1, if_empty=True, stdout=StringIO()
    )
    assert group_progress(servers, group, topic) == GroupProgress(committed=0, available=3)

    consumer = Consumer(
        {
            "bootstrap.servers": servers,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    taken = []
    try:
        while len(taken) < 2:
            message = consumer.poll(1.0)
            if message is not None and message.error() is None:
                taken.append(message)
        # The topic has several partitions: commit the position in each one read from.
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    assert group_progress(servers, group, topic).lag == 1

    out = StringIO()
    call_command("produce_sample_events", count=3, topic=topic, seed=1, if_empty=True, stdout=out)
    assert "already holds 3" in out.getvalue()
    assert topic_records(servers, topic) == 3


def test_the_local_users_take_the_password_of_env_when_it_changed(settings):
    settings.DEBUG = True
    settings.LOCAL_ADMIN_USERNAME, settings.LOCAL_ADMIN_PASSWORD = "boss", "first"
    call_command("ensure_local_admin", stdout=StringIO())
    call_command("ensure_local_user", "ana", password="first", stdout=StringIO())

    settings.LOCAL_ADMIN_PASSWORD = "second"  # a new .env on the same database
    out = StringIO()
    call_command("ensure_local_admin", stdout=out)
    call_command("ensure_local_user", "ana", password="second", stdout=out)

    users = get_user_model().objects
    assert users.get(username="boss").check_password("second")
    assert users.get(username="ana").check_password("second")
    assert "password reset" in out.getvalue() and "reset the password of 'ana'" in out.getvalue()
