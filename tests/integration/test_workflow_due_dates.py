"""Due dates and the overdue check against the real database (SPEC §3a), and rebuilding every
workflow field from the event store."""

from __future__ import annotations

import io
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from cases.core import bulk
from cases.core.periodic import PeriodicChecks
from cases.core.rebuild import READ_MODELS
from cases.intake.commands import CreateCase
from cases.intake.contract import validate_payload
from cases.intake.services import open_cases
from cases.models import Case, Notification, StoredEvent
from cases.selectors import list_cases
from cases.workflow.commands import AssignCase, ChangeCaseStatus, ProposeDecision
from cases.workflow.rules import ANALYST_GROUP
from cases.workflow.services import assign_case, change_case_status, propose_decision
from tests.integration.consumer_process import consumer_env, start_consumer
from tests.integration.helpers import make_user

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules"),
]


def opened(traitement: str, case_type: str, days_ago: float = 0) -> Case:
    payload = {
        "client_id": f"due-{uuid.uuid4().hex[:6]}",
        "version": "1.0",
        "type": case_type,
        "traitement_type": traitement,
        "persons": [{"firstname": "Ada", "lastname": "Late"}],
    }
    if traitement == "KYB":
        payload["company_profile"] = {
            "registered_name": "Late SA",
            "registration_number": "LU-1",
            "country_of_incorporation": "LU",
            "registered_address": {"country": "LU"},
        }
    command = CreateCase(
        source=f"test:{uuid.uuid4()}",
        message=validate_payload(payload),
        occurred_at=timezone.now() - timedelta(days=days_ago),
    )
    return Case.objects.get(pk=open_cases([command]).case_ids[0])


def overdue_events(case_id: uuid.UUID) -> list[StoredEvent]:
    return list(StoredEvent.objects.filter(aggregate_id=case_id, event_type="CaseBecameOverdue"))


def overdue_notifications(case_id: uuid.UUID) -> list[Notification]:
    return [
        n
        for n in Notification.objects.filter(case_id=case_id)
        if n.envelope["payload"]["trigger"] == "CASE_OVERDUE"
    ]


def test_the_sla_rule_sets_the_due_date_from_when_the_case_was_opened():
    kyc = opened("KYC", "INDIVIDUAL_STANDARD")
    kyb = opened("KYB", "COMPANY_STANDARD")
    edd = opened("KYB", "ENHANCED_DUE_DILIGENCE")

    for case, days in ((kyc, 5), (kyb, 10), (edd, 20)):
        assert case.due_at - case.created_at == timedelta(days=days)
        created = StoredEvent.objects.get(aggregate_id=case.id, event_type="CaseCreated")
        assert created.payload["sla_days"] == days


def test_an_overdue_case_is_marked_and_notified_once_however_often_and_by_however_many_checks():
    late = opened("KYC", "INDIVIDUAL_STANDARD", days_ago=6)
    on_time = opened("KYC", "INDIVIDUAL_STANDARD", days_ago=1)
    start = threading.Barrier(2)

    def consumer_leader(_: int) -> list[uuid.UUID]:
        try:
            start.wait()
            return PeriodicChecks(interval=60)()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:  # two consumers' hooks at the same moment
        list(pool.map(consumer_leader, range(2)))
    for _ in range(2):
        call_command("check_overdue", stdout=io.StringIO())

    assert len(overdue_events(late.id)) == 1
    assert len(overdue_notifications(late.id)) == 1
    assert Case.objects.get(pk=late.id).overdue_at == overdue_events(late.id)[0].occurred_at
    assert overdue_events(on_time.id) == []
    assert [c.id for c in list_cases(overdue=True)] == [late.id]
    assert [c.id for c in list_cases(overdue=False)] == [on_time.id]


@pytest.fixture
def idle_topic(make_topic, kafka_admin):
    """A 2-partition input topic for two consumers; their side topics are deleted afterwards."""
    topic = make_topic("overdue", partitions=2)
    yield topic
    existing = set(kafka_admin.list_topics(timeout=10).topics)
    if doomed := [t for t in (f"{topic}.dlq", f"{topic}.notifications") if t in existing]:
        for future in kafka_admin.delete_topics(doomed).values():
            future.result(timeout=30)


def test_two_running_consumers_mark_and_notify_an_overdue_case_once(idle_topic, tmp_path):
    late = opened("KYC", "INDIVIDUAL_STANDARD", days_ago=6)
    env = {
        **consumer_env(
            mongodb_uri=settings.MONGODB_URI,
            db_name=connection.settings_dict["NAME"],
            bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
            topic=idle_topic,
        ),
        "OVERDUE_CHECK_INTERVAL_SECONDS": "0.5",
    }
    consumers = [
        start_consumer(
            f"consumer-{n}",
            topic=idle_topic,
            group=f"overdue-{uuid.uuid4().hex[:6]}",
            idle_timeout=8,
            env=env,
            log_dir=tmp_path,
        )
        for n in (1, 2)
    ]
    try:
        for consumer in consumers:
            assert consumer.wait_exit(90) == 0, consumer.logs()
    finally:
        for consumer in consumers:
            consumer.stop()

    assert len(overdue_events(late.id)) == 1
    [notification] = overdue_notifications(late.id)
    assert notification.status == "DELIVERED"  # relayed by the leader in the same round


def test_the_periodic_check_waits_its_interval_between_runs():
    ticks = iter([0.0, 10.0, 61.0])
    check = PeriodicChecks(interval=60, clock=lambda: next(ticks))
    opened("KYC", "INDIVIDUAL_STANDARD", days_ago=6)
    assert len(check()) == 1
    second = opened("KYC", "INDIVIDUAL_STANDARD", days_ago=6)
    assert check() == []  # 10 s later: too soon
    assert check() == [second.id]


def test_closing_or_deciding_stops_the_clock():
    closed = opened("KYC", "INDIVIDUAL_STANDARD", days_ago=6)
    change_case_status(ChangeCaseStatus(closed.id, "CLOSED", "lea"))

    call_command("check_overdue", stdout=io.StringIO())

    assert overdue_events(closed.id) == []
    assert not list_cases(overdue=True).exists()


def snapshot() -> dict[str, list[dict]]:
    return {
        model.__name__: sorted(bulk.collection(model).find(), key=lambda doc: str(doc["_id"]))
        for model in READ_MODELS
    }


def test_rebuild_keeps_assignee_due_date_overdue_marker_and_pending_proposal():
    make_user("ana", ANALYST_GROUP)
    pending = opened("KYC", "INDIVIDUAL_STANDARD", days_ago=6)
    assigned = opened("KYB", "COMPANY_STANDARD")
    change_case_status(ChangeCaseStatus(pending.id, "IN_REVIEW", "ana"))
    assign_case(AssignCase(pending.id, "ana", "ana"))
    propose_decision(ProposeDecision(pending.id, "REJECTED", "sanctions hit", "ana"))
    assign_case(AssignCase(assigned.id, "ana", "ana"))
    call_command("check_overdue", stdout=io.StringIO())
    live = snapshot()
    cases = {doc["client_id"]: doc for doc in live["Case"]}
    assert {doc["assignee"] for doc in cases.values()} == {"ana"}
    assert cases[pending.client_id]["pending_decision"]["rationale"] == "sanctions hit"
    assert cases[pending.client_id]["overdue_at"] is not None

    call_command("rebuild_projections", stdout=io.StringIO(), stderr=io.StringIO())

    assert snapshot() == live
