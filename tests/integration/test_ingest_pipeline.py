"""Ingest through the real broker and database: samples, event sequences, idempotency, rebuild."""

import io
import json
import os
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Producer
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from cases.core import bulk
from cases.core.rebuild import READ_MODELS
from cases.models import (
    BeneficialOwner,
    Case,
    Company,
    DocumentRequirement,
    Person,
    RawEvent,
    StoredEvent,
)
from kafka_integration.consumer import CaseEventConsumer, ConsumerOptions
from kafka_integration.replay import replay, select_raw_events
from tests.integration.helpers import read_topic

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

SAMPLES = Path(
    os.environ.get(
        "CASEMGMT_SAMPLES_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "samples"
    )
)

KYB_TWO_DIRECTORS = {
    "client_id": "kyb-roles",
    "version": "1.0",
    "type": "ENHANCED_DUE_DILIGENCE",
    "traitement_type": "kyb",
    "company_profile": {
        "registered_name": "Roles SA",
        "registration_number": "LU-42",
        "country_of_incorporation": "lu",
        "registered_address": {"city": "Luxembourg", "country": "LU"},
    },
    "persons": [
        {"firstname": "Ada", "lastname": "Boss", "role_in_company": "Director"},
        {"firstname": "No", "lastname": "Role"},
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


def produce(topic: str, values: list[bytes | None], key: bytes | None = None) -> None:
    producer = Producer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS, "acks": "all"})
    for value in values:
        producer.produce(topic, key=key, value=value)
    assert producer.flush(30) == 0


def consume_all(topic: str, expected: int, group: str | None = None, **options):
    consumer = CaseEventConsumer(
        ConsumerOptions(
            bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
            topic=topic,
            group_id=group or f"test-{uuid.uuid4().hex[:8]}",
            dlq_topic=f"{topic}.dlq",
            batch_size=50,
            poll_timeout=0.5,
            max_messages=expected,
            idle_timeout=20,
            **options,
        )
    )
    return consumer.run()


def snapshot(models) -> dict[str, list[dict]]:
    """Every stored document of the given models, as the database holds them."""
    return {
        model.__name__: sorted(bulk.collection(model).find(), key=lambda doc: str(doc["_id"]))
        for model in models
    }


def test_every_sample_becomes_a_case_or_is_rejected_into_the_dead_letter_topic(make_topic):
    topic = make_topic("samples")
    dlq_topic = f"{topic}.dlq"
    files = sorted(SAMPLES.glob("valid/*.json")) + sorted(SAMPLES.glob("invalid/*.json"))
    assert len(files) >= 14
    values = [path.read_bytes() for path in files] + [None, b"\xff\xfe\x00broken"]

    stats = consume_all_after_producing(topic, values)

    assert stats.consumed == len(values)
    by_offset = {raw.offset: raw for raw in RawEvent.objects.filter(topic=topic)}
    assert len(by_offset) == len(values)
    for offset, path in enumerate(files):
        raw = by_offset[offset]
        if path.parent.name == "valid":
            assert raw.status == "PROCESSED", (path.name, raw.errors)
            case = Case.objects.get(id=raw.case_id)
            assert case.client_id == json.loads(path.read_bytes())["client_id"]
            assert case.source_raw_event_id == raw.id
        else:
            assert raw.status == "REJECTED", path.name
            assert raw.errors and all(error["loc"] and error["msg"] for error in raw.errors)
            assert raw.case_id is None
    tombstone, bad_utf8 = by_offset[len(files)], by_offset[len(files) + 1]
    assert (tombstone.status, tombstone.payload_encoding) == ("REJECTED", "none")
    assert (bad_utf8.status, bad_utf8.payload_encoding) == ("REJECTED", "base64")

    rejected = {raw.offset for raw in by_offset.values() if raw.status == "REJECTED"}
    dead_letters = read_topic(dlq_topic, len(rejected))
    headers = [dict(message.headers()) for message in dead_letters]
    assert {int(h["dlq.original.offset"]) for h in headers} == rejected
    assert all(h["dlq.original.topic"].decode() == topic for h in headers)
    assert all(h["dlq.error.reason"] and h["dlq.error.message"] for h in headers)
    originals = {offset: values[offset] for offset in rejected}
    assert {int(dict(m.headers())["dlq.original.offset"]): m.value() for m in dead_letters} == (
        originals
    )


def consume_all_after_producing(topic: str, values: list[bytes | None]):
    produce(topic, values)
    return consume_all(topic, len(values))


def test_kyb_message_yields_company_persons_owners_and_the_event_sequence(make_topic):
    topic = make_topic("kyb")
    consume_all_after_producing(topic, [json.dumps(KYB_TWO_DIRECTORS).encode()])

    case = Case.objects.get(client_id="kyb-roles")
    company = Company.objects.get(id=case.company_id)
    assert (case.traitement_type, case.case_type, case.status) == (
        "KYB",
        "ENHANCED_DUE_DILIGENCE",
        "OPEN",
    )
    assert company.registered_name == "Roles SA"
    assert company.country_of_incorporation == "LU"
    assert company.registered_address.city == "Luxembourg"
    persons = list(Person.objects.filter(company_id=company.id).order_by("position"))
    assert [(p.firstname, p.role_in_company) for p in persons] == [
        ("Ada", "Director"),
        ("No", None),
    ]
    assert all(p.case_id == case.id for p in persons)
    owner = BeneficialOwner.objects.get(company_id=company.id)
    assert (owner.person.firstname, owner.ownership_percentage, owner.is_ubo) == (
        "Olga",
        51.5,
        True,
    )
    assert owner.types_of_control == ["SHARES"]

    events = list(
        StoredEvent.objects.filter(correlation_id=str(case.source_raw_event_id)).order_by(
            "sequence"
        )
    )
    claim = events.pop()  # the client's claim closes the command (cases.client_updates.claims)
    assert (claim.event_type, claim.aggregate_type, claim.version) == (
        "ClientCaseOpened",
        "Client",
        1,
    )
    head = [(e.event_type, e.aggregate_type, e.version) for e in events[:5]]
    assert head == [
        ("CompanyProfileCreated", "Company", 1),
        ("CaseCreated", "Case", 1),
        ("PersonLinkedToCompany", "Company", 2),
        ("PersonLinkedToCompany", "Company", 3),
        ("BeneficialOwnerAdded", "Company", 4),
    ]
    requirements = [e for e in events[5:] if e.event_type == "DocumentRequirementDetermined"]
    [screening] = [e for e in events[5:] if e.event_type == "ScreeningRequested"]
    assert (screening.aggregate_type, screening.version) == ("Case", 2)
    assert [p["party_type"] for p in screening.payload["parties"]] == [
        "COMPANY",
        "PERSON",
        "PERSON",
        "OWNER",
    ]
    assert len(events) == 6 + len(requirements)
    documents = {
        (r.entity_type, r.entity_id, r.document_type)
        for r in DocumentRequirement.objects.filter(case_id=case.id)
    }
    company_docs = {d for (kind, entity, d) in documents if kind == "COMPANY"}
    assert company_docs == {
        "COMPANY_REGISTRATION_CERTIFICATE",
        "ARTICLES_OF_ASSOCIATION",
        "FINANCIAL_STATEMENTS_AUDITED",
    }
    person_parties = {entity for (kind, entity, d) in documents if kind == "PERSON"}
    assert person_parties == {persons[0].id, persons[1].id, owner.id}
    assert len(requirements) == len(documents) == 6
    assert case.version == 2 and company.version == 4  # CaseCreated, ScreeningRequested


def test_kyc_message_yields_case_persons_and_the_event_sequence(make_topic):
    topic = make_topic("kyc")
    sample = (SAMPLES / "valid" / "kyc_two_persons_lowercase.json").read_bytes()
    consume_all_after_producing(topic, [sample])

    case = Case.objects.get(client_id="kyc-client-002")
    assert (case.traitement_type, case.company_id, case.version) == ("KYC", None, 4)
    persons = list(Person.objects.filter(case_id=case.id).order_by("position"))
    assert [(p.firstname, p.lastname) for p in persons] == [
        ("Amélie", "Poulain"),
        ("Nino", "Quincampoix"),
    ]
    assert str(persons[0].birthdate) == "1983-04-25" and persons[1].birthdate is None
    events = list(
        StoredEvent.objects.filter(correlation_id=str(case.source_raw_event_id)).order_by(
            "sequence"
        )
    )
    assert (events[-1].event_type, events.pop().version) == ("ClientCaseOpened", 1)
    assert [(e.event_type, e.version) for e in events[:3]] == [
        ("CaseCreated", 1),
        ("PersonAddedToCase", 2),
        ("PersonAddedToCase", 3),
    ]
    assert (events[-1].event_type, events.pop().version) == ("ScreeningRequested", 4)
    assert [e.payload["document_type"] for e in events[3:]] == [
        "PASSPORT",
        "PROOF_OF_ADDRESS",
        "PASSPORT",
        "PROOF_OF_ADDRESS",
    ]
    assert (
        DocumentRequirement.objects.filter(case_id=case.id, status="AWAITING_UPLOAD").count() == 4
    )


def test_same_record_delivered_twice_creates_one_case(make_topic):
    topic = make_topic("redelivery")
    sample = (SAMPLES / "valid" / "kyb_company.json").read_bytes()
    produce(topic, [sample])

    first = consume_all(topic, 1)
    before = snapshot([*READ_MODELS, StoredEvent])
    second = consume_all(topic, 1)  # a new group: committed offsets never re-read (issue #22)

    assert (first.processed, second.processed, second.skipped_finished) == (1, 0, 1)
    assert Case.objects.count() == 1
    assert snapshot([*READ_MODELS, StoredEvent]) == before


def test_with_debug_on_a_long_running_consumer_drops_its_logged_operations(make_topic):
    topic = make_topic("debug-log")
    produce(topic, [(SAMPLES / "valid" / "kyc_individual.json").read_bytes()])
    with override_settings(DEBUG=True):
        assert connection.queries_logged
        connection.queries_log.append({"sql": "before the run", "time": "0"})
        stats = consume_all(topic, 1)
        assert stats.processed == 1
        # Only what runs after the last batch (if anything) may be left.
        assert all(entry["sql"] != "before the run" for entry in connection.queries_log)
        assert not any("insert_many" in entry["sql"] for entry in connection.queries_log)


def test_replaying_a_processed_raw_event_changes_nothing(make_topic):
    topic = make_topic("replay")
    produce(topic, [(SAMPLES / "valid" / "kyc_individual.json").read_bytes()])
    consume_all(topic, 1)
    before = snapshot([*READ_MODELS, StoredEvent])

    report = replay(select_raw_events(status="PROCESSED"))

    assert report.by_status == {"PROCESSED": 1}
    assert snapshot([*READ_MODELS, StoredEvent]) == before
    assert RawEvent.objects.get(topic=topic).attempts == 2


def test_rebuild_projections_reproduces_the_live_read_models(make_topic):
    topic = make_topic("rebuild", partitions=2)
    values = [path.read_bytes() for path in sorted(SAMPLES.glob("valid/*.json"))]
    values.append(json.dumps(KYB_TWO_DIRECTORS).encode())
    produce(topic, values)
    consume_all(topic, len(values))
    live = snapshot(READ_MODELS)
    assert len(live["Case"]) == len(values)

    output = io.StringIO()
    call_command("rebuild_projections", stdout=output, stderr=io.StringIO())

    assert "rebuilt read models from" in output.getvalue()

    assert snapshot(READ_MODELS) == live
