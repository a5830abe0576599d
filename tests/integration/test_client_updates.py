"""Client updates through the real broker and database (SPEC §3b)."""

import copy
import io
import json
import threading
import uuid
from importlib import import_module

import pytest
from confluent_kafka import Producer
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from cases.client_updates import events as cu
from cases.core import bulk
from cases.core.rebuild import READ_MODELS
from cases.models import (
    BeneficialOwner,
    Case,
    Client,
    DocumentRequirement,
    Person,
    RawEvent,
    StoredEvent,
)
from cases.workflow.commands import ChangeCaseStatus
from cases.workflow.services import change_case_status
from kafka_integration.consumer import CaseEventConsumer, ConsumerOptions
from kafka_integration.replay import replay, select_raw_events
from tests.integration.consumer_process import wait_until
from tests.integration.helpers import read_topic
from tests.integration.test_consumer_resilience import group_members_with_partitions
from tests.integration.test_ingest_pipeline import consume_all, produce, snapshot

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

ACME = {
    "client_id": "CLI-ACME",
    "version": "1.0",
    "type": "COMPANY_STANDARD",
    "traitement_type": "KYB",
    "company_profile": {
        "registered_name": "Acme SA",
        "registration_number": "LU-77",
        "country_of_incorporation": "LU",
        "registered_address": {"street": "1 Rue Haute", "city": "Luxembourg", "country": "LU"},
    },
    "persons": [
        {"firstname": "Ada", "lastname": "Boss", "role_in_company": "Director"},
        {"firstname": "Émile", "lastname": "Zola", "birthdate": "1970-04-02"},
    ],
    "beneficial_owners": [
        {
            "person_details": {"firstname": "Olga", "lastname": "Owner"},
            "ownership_percentage": 51.5,
            "types_of_control": ["SHARES"],
            "is_ubo": True,
        }
    ],
}

JANE = {
    "client_id": "CLI-JANE",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Jane", "lastname": "Doe", "birthdate": "1980-01-01"}],
}


def acme_changed() -> dict:
    """Ada leaves, Carl joins as director, Nia becomes an owner, Olga's share drops."""
    record = copy.deepcopy(ACME)
    record["persons"] = [
        record["persons"][1],
        {"firstname": "Carl", "lastname": "New", "role_in_company": "Director"},
    ]
    record["beneficial_owners"][0]["ownership_percentage"] = 40.0
    record["beneficial_owners"].append(
        {"person_details": {"firstname": "Nia", "lastname": "Fresh"}, "ownership_percentage": 20}
    )
    record["company_profile"]["registered_address"]["city"] = "Esch-sur-Alzette"
    return record


def encoded(*records: dict) -> list[bytes]:
    return [json.dumps(record, ensure_ascii=False).encode() for record in records]


def raw_at(topic: str, offset: int) -> RawEvent:
    return RawEvent.objects.get(topic=topic, offset=offset)


def test_update_adds_new_parties_with_requirements_and_retires_the_removed_ones(make_topic):
    topic = make_topic("update")
    produce(topic, encoded(ACME, acme_changed()))
    stats = consume_all(topic, 2)

    assert stats.processed == 2
    case = Case.objects.get(client_id="CLI-ACME")  # one case, updated
    created, updated = raw_at(topic, 0), raw_at(topic, 1)
    assert (created.outcome, updated.outcome) == ("created", "updated")
    assert created.case_id == updated.case_id == case.id

    persons = {p.firstname: p for p in Person.objects.filter(case_id=case.id)}
    assert persons["Ada"].removed_at is not None
    assert persons["Carl"].removed_at is None and persons["Carl"].role_in_company == "Director"
    owners = {o.person.firstname: o for o in BeneficialOwner.objects.filter(company=case.company)}
    assert (owners["Olga"].ownership_percentage, owners["Nia"].ownership_percentage) == (40, 20)
    assert case.company.registered_address.city == "Esch-sur-Alzette"

    requirements = {r.entity_id: r for r in DocumentRequirement.objects.filter(case_id=case.id)}
    retired = requirements[persons["Ada"].id]
    assert retired.status == "NOT_APPLICABLE"
    assert "no longer in the client data" in retired.history[-1]["notes"][0]
    assert requirements[persons["Carl"].id].status == "AWAITING_UPLOAD"
    assert requirements[owners["Nia"].id].status == "AWAITING_UPLOAD"

    update_events = list(
        StoredEvent.objects.filter(correlation_id=str(updated.id)).order_by("sequence")
    )
    lock = update_events[0]
    # Right after the creation's case events (CaseCreated, ScreeningRequested, and RiskAssessed
    # when a risk model is stored), whichever of them this database produced.
    created_versions = StoredEvent.objects.filter(
        aggregate_id=case.id, correlation_id=str(created.id)
    ).values_list("version", flat=True)
    assert (lock.event_type, lock.aggregate_id, lock.version) == (
        cu.CLIENT_DATA_UPDATED,
        case.id,
        max(created_versions) + 1,
    )
    changes = lock.payload["changes"]
    assert [p["name"] for p in changes["persons_removed"]] == ["Ada Boss"]
    assert changes["persons_added"] == ["Carl New"] and changes["owners_added"] == ["Nia Fresh"]
    assert changes["owners_changed"][0]["changes"] == [
        {"field": "ownership_percentage", "old": 51.5, "new": 40.0}
    ]
    assert lock.payload["event_count"] == len(update_events)
    [rescreen] = [e for e in update_events if e.event_type == "ScreeningRequested"]
    assert {(p["party_type"], p["party_id"]) for p in rescreen.payload["parties"]} == {
        ("PERSON", str(persons["Carl"].id)),
        ("OWNER", str(owners["Nia"].id)),
        ("OWNER", str(owners["Olga"].id)),  # its ownership changed
        ("COMPANY", str(case.company_id)),  # its address changed
    }
    case_versions = [
        e.version for e in StoredEvent.objects.filter(aggregate_id=case.id).order_by("version")
    ]
    assert case_versions == list(range(1, case.version + 1))

    client = Client.objects.get(client_id="CLI-ACME")
    assert (client.display_name, client.traitement_type) == ("Acme SA", "KYB")
    assert (client.open_case_id, client.case_ids) == (case.id, [str(case.id)])


def test_identical_record_appends_nothing_and_says_no_change(make_topic):
    topic = make_topic("same")
    reordered = copy.deepcopy(ACME)
    reordered["persons"].reverse()
    produce(topic, encoded(ACME))
    consume_all(topic, 1)
    before = StoredEvent.objects.count()

    produce(topic, encoded(ACME, reordered))
    consume_all(topic, 3)

    assert StoredEvent.objects.count() == before
    assert [raw_at(topic, n).outcome for n in (1, 2)] == ["no change", "no change"]
    assert Case.objects.filter(client_id="CLI-ACME").count() == 1


def test_kyb_record_for_a_kyc_case_is_rejected_into_the_dead_letter_topic(make_topic):
    topic = make_topic("conflict")
    as_company = {**copy.deepcopy(ACME), "client_id": "CLI-JANE"}
    produce(topic, encoded(JANE, as_company))
    consume_all(topic, 2)

    rejected = raw_at(topic, 1)
    assert rejected.status == "REJECTED"
    assert rejected.errors[0]["loc"] == "traitement_type"
    assert "open KYC case" in rejected.errors[0]["msg"]
    case = Case.objects.get(client_id="CLI-JANE")
    assert (case.traitement_type, case.version) == ("KYC", 3)  # created, a person, screening
    (dead,) = read_topic(f"{topic}.dlq", 1)
    headers = dict(dead.headers())
    assert headers["dlq.error.reason"] == b"client_conflict"
    assert int(headers["dlq.original.offset"]) == 1


def test_client_whose_cases_are_all_closed_gets_a_new_case(make_topic):
    topic = make_topic("review")
    produce(topic, encoded(JANE))
    consume_all(topic, 1)
    first = Case.objects.get(client_id="CLI-JANE")
    change_case_status(ChangeCaseStatus(case_id=first.id, new_status="CLOSED", actor="lead"))

    produce(topic, encoded(JANE))
    consume_all(topic, 2)

    cases = list(Case.objects.filter(client_id="CLI-JANE").order_by("created_at"))
    assert [c.status for c in cases] == ["CLOSED", "OPEN"]
    assert raw_at(topic, 1).outcome == "created"
    client = Client.objects.get(client_id="CLI-JANE")
    assert client.case_ids == [str(c.id) for c in cases]
    assert client.open_case_id == cases[1].id


def test_create_and_updates_of_one_client_in_one_batch_apply_in_offset_order(make_topic):
    topic = make_topic("batch")
    second = {**JANE, "persons": [*JANE["persons"], {"firstname": "John", "lastname": "Doe"}]}
    third = {**JANE, "persons": [{"firstname": "John", "lastname": "Doe"}]}
    produce(topic, encoded(JANE, second, third))
    consume_all(topic, 3)

    case = Case.objects.get(client_id="CLI-JANE")
    assert [raw_at(topic, n).outcome for n in range(3)] == ["created", "updated", "updated"]
    current = Person.objects.filter(case_id=case.id, removed_at=None)
    assert [p.firstname for p in current] == ["John"]


def test_redelivery_and_replay_of_updates_change_nothing(make_topic):
    topic = make_topic("again")
    produce(topic, encoded(ACME, acme_changed(), acme_changed(), ACME))
    consume_all(topic, 4)
    assert [raw_at(topic, n).outcome for n in range(4)] == [
        "created",
        "updated",
        "no change",
        "updated",
    ]
    models = [*READ_MODELS, StoredEvent]
    before = snapshot(models)

    # A crash after the updates were stored but before the offsets were committed.
    bulk.collection(RawEvent).update_many({"topic": topic}, {"$set": {"status": "RECEIVED"}})
    consume_all(topic, 4)
    assert snapshot(models) == before

    report = replay(select_raw_events(status="PROCESSED"))
    assert report.by_status == {"PROCESSED": 4}
    assert snapshot(models) == before


def test_rebuild_reproduces_read_models_after_updates_including_clients(make_topic):
    topic = make_topic("rebuild", partitions=2)
    produce(topic, encoded(ACME, JANE, acme_changed()), key=None)
    consume_all(topic, 3)
    produce(topic, encoded({**JANE, "type": "ENHANCED_DUE_DILIGENCE"}))
    consume_all(topic, 4)
    live = snapshot(READ_MODELS)
    assert len(live["Client"]) == 2

    call_command("rebuild_projections", stdout=io.StringIO(), stderr=io.StringIO())

    assert snapshot(READ_MODELS) == live


def run_consumer(topic: str, group: str, results: list) -> None:
    try:
        consumer = CaseEventConsumer(
            ConsumerOptions(
                bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
                topic=topic,
                group_id=group,
                dlq_topic=f"{topic}.dlq",
                batch_size=5,
                poll_timeout=0.2,
                idle_timeout=10,
            )
        )
        results.append(consumer.run())
    finally:
        connection.close()


def test_two_consumers_racing_on_one_client_apply_every_change_once(make_topic, kafka_admin):
    topic = make_topic("race", partitions=2)
    produce(topic, encoded(ACME))
    consume_all(topic, 1)
    case = Case.objects.get(client_id="CLI-ACME")

    group, results = f"race-{uuid.uuid4().hex[:8]}", []
    threads = [
        threading.Thread(target=run_consumer, args=(topic, group, results)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    wait_until(  # records go out once both members own a partition, so both race
        lambda: group_members_with_partitions(kafka_admin, group) == 2,
        timeout=90,
        what="both consumers to own a partition",
    )
    producer = Producer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS, "acks": "all"})
    for n in range(12):  # unkeyed, alternating partitions: each a different owner share
        record = copy.deepcopy(ACME)
        record["beneficial_owners"][0]["ownership_percentage"] = 10.0 + n
        producer.produce(topic, value=encoded(record)[0], partition=n % 2)
    assert producer.flush(30) == 0
    for thread in threads:
        thread.join(120)

    everything = list(RawEvent.objects.filter(topic=topic))
    diagnostics = [
        (r.partition, r.offset, r.status, r.outcome, r.errors)
        for r in everything
        if r.status != "PROCESSED"
    ] + [len(everything), Case.objects.filter(client_id="CLI-ACME").count(), results]
    raws = [raw for raw in everything if raw.outcome != "created"]
    assert len(raws) == 12 and {raw.status for raw in raws} == {"PROCESSED"}, diagnostics
    updates = StoredEvent.objects.filter(aggregate_id=case.id, event_type=cu.CLIENT_DATA_UPDATED)
    applied = {event.correlation_id for event in updates}
    assert applied == {str(raw.id) for raw in raws if raw.outcome == "updated"}
    assert len(applied) == updates.count() >= 6  # each change once; at least one per partition
    versions = [
        e.version for e in StoredEvent.objects.filter(aggregate_id=case.id).order_by("version")
    ]
    case.refresh_from_db()
    assert versions == list(range(1, case.version + 1))
    owner = BeneficialOwner.objects.get(company=case.company)
    last = updates.order_by("-version").first()
    assert {"field": "ownership_percentage", "old": None, "new": owner.ownership_percentage} | {
        "old": None
    } == {
        **last.payload["changes"]["owners_changed"][0]["changes"][0],
        "old": None,
    }


def test_client_data_updated_notifies_only_once_its_rule_is_switched_on(make_topic):
    from django.apps import apps

    from cases.models import Notification, NotificationRule

    seed_module = import_module("cases.migrations.0012_seed_client_updated_rule")
    seed_module.seed(apps, None)  # the migration's default: inactive
    topic = make_topic("notify")
    moved = {**JANE, "persons": [{**JANE["persons"][0], "lastname": "Doe-Smith"}]}
    renamed_again = {**JANE, "persons": [{**JANE["persons"][0], "lastname": "Smith"}]}
    produce(topic, encoded(JANE, moved))
    consume_all(topic, 2)
    case = Case.objects.get(client_id="CLI-JANE")
    assert not Notification.objects.filter(case_id=case.id).exists()

    NotificationRule.objects.filter(trigger="CLIENT_DATA_UPDATED").update(is_active=True)
    produce(topic, encoded(renamed_again))
    consume_all(topic, 3)

    (notification,) = Notification.objects.filter(case_id=case.id)
    payload = notification.envelope["payload"]
    assert (payload["trigger"], payload["template_id"]) == (
        "CLIENT_DATA_UPDATED",
        "client_data_updated_v1",
    )


def test_publishing_the_demo_stream_twice_opens_no_second_case(make_topic):
    import random

    from kafka_integration.sample_events import sample_events

    topic = make_topic("demo", partitions=2)
    records = list(sample_events(random.Random(42), 30, 0.4, 0.0, updates_ratio=0.2))
    producer = Producer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS, "acks": "all"})
    for _ in range(2):  # scripts/run.sh run twice on one clone
        for key, value in records:
            producer.produce(topic, key=key, value=value)
        assert producer.flush(30) == 0
    consume_all(topic, 60)

    clients = set(RawEvent.objects.filter(topic=topic).values_list("client_id", flat=True))
    assert Case.objects.count() == len(clients) == Client.objects.count()
    assert RawEvent.objects.filter(topic=topic, status="PROCESSED").count() == 60


@pytest.mark.usefixtures("workflow_rules")
def test_update_while_pending_approval_returns_the_proposal_and_keeps_the_assignee(make_topic):
    from cases.workflow.commands import AssignCase, ProposeDecision
    from cases.workflow.rules import ANALYST_GROUP
    from cases.workflow.services import assign_case, propose_decision
    from tests.integration.helpers import make_user

    make_user("ana", ANALYST_GROUP)
    topic = make_topic("pending")
    produce(topic, encoded(JANE))
    consume_all(topic, 1)
    case = Case.objects.get(client_id="CLI-JANE")
    change_case_status(ChangeCaseStatus(case.id, "IN_REVIEW", "USER:ana"))
    assign_case(AssignCase(case.id, "ana", "USER:ana"))
    propose_decision(ProposeDecision(case.id, "REJECTED", "address unverifiable", "ana"))

    moved = {**JANE, "persons": [{**JANE["persons"][0], "lastname": "Doe-Smith"}]}
    produce(topic, encoded(moved))
    consume_all(topic, 2)

    case.refresh_from_db()
    assert (case.status, case.assignee, case.pending_decision) == ("IN_REVIEW", "ana", None)
    returned = StoredEvent.objects.get(aggregate_id=case.id, event_type="DecisionReturned")
    assert (returned.payload["reason"], returned.payload["proposed_by"]) == (
        "client data changed",
        "ana",
    )
    assert returned.correlation_id == str(raw_at(topic, 1).id)
    assert Client.objects.get(client_id="CLI-JANE").open_case_id == case.id
