"""The foundation works against the real servers: ORM on the MongoDB-wire server, Kafka, admin."""

import uuid

import pytest
from confluent_kafka import Consumer, Producer
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.utils import timezone
from pymongo.errors import BulkWriteError

from cases.core import bulk
from cases.models import Address, BeneficialOwner, Case, Company, OwnerPerson, RawEvent
from kafka_integration.ingest import InboundRecord, to_raw_event

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def make_company() -> Company:
    now = timezone.now()
    return Company.objects.create(
        id=uuid.uuid4(),
        registered_name="Acme Trading SARL",
        registration_number="RCS-123",
        country_of_incorporation="FR",
        registered_address=Address(street="1 rue de la Paix", city="Paris", country="FR"),
        created_at=now,
        updated_at=now,
    )


def test_case_round_trips_through_the_database_with_embedded_and_array_fields():
    company = make_company()
    owner = BeneficialOwner.objects.create(
        id=uuid.uuid4(),
        company=company,
        person=OwnerPerson(firstname="Jane", lastname="Doe"),
        ownership_percentage=62.5,
        types_of_control=["SHARES", "VOTING_RIGHTS"],
        is_ubo=True,
    )
    now = timezone.now()
    case = Case.objects.create(
        id=uuid.uuid4(),
        client_id="CLIENT-1",
        case_type="COMPANY_STANDARD",
        schema_version="1.0",
        traitement_type="KYB",
        company=company,
        created_at=now,
        updated_at=now,
    )

    case.status = "IN_REVIEW"
    case.save(update_fields=["status"])

    loaded = Case.objects.select_related("company").get(client_id="CLIENT-1")
    assert loaded.id == case.id
    assert loaded.status == "IN_REVIEW"
    assert loaded.company.registered_address.city == "Paris"
    assert Company.objects.filter(registered_address__country="FR").count() == 1
    assert BeneficialOwner.objects.get(id=owner.id).types_of_control == [
        "SHARES",
        "VOTING_RIGHTS",
    ]
    assert BeneficialOwner.objects.filter(types_of_control__contains=["SHARES"]).count() == 1
    assert list(Case.objects.filter(company__registered_name="Acme Trading SARL")) == [loaded]

    Case.objects.filter(id=case.id).delete()
    assert not Case.objects.filter(id=case.id).exists()


def test_second_raw_event_at_the_same_kafka_position_raises_integrity_error():
    """The position is unique through the id derived from it (no compound index, issue #23)."""

    def raw_event() -> RawEvent:
        record = InboundRecord(topic="kyc_events", partition=0, offset=7, value=b"{}")
        return to_raw_event(record, timezone.now())

    raw_event().save(force_insert=True)
    # MongoDB's message becomes IntegrityError; FerretDB v2's other text stays a BulkWriteError
    # (docs/ferretdb.md). Either way the refusal is code 11000, which the product reads.
    with pytest.raises((IntegrityError, BulkWriteError)) as refused:
        raw_event().save(force_insert=True)
    cause = refused.value if isinstance(refused.value, BulkWriteError) else refused.value.__cause__
    assert cause.details["writeErrors"][0]["code"] == bulk.DUPLICATE_KEY
    assert RawEvent.objects.filter(topic="kyc_events", partition=0, offset=7).count() == 1


def test_record_produced_to_the_broker_is_consumed_back(make_topic, settings):
    topic = make_topic("foundation")
    producer = Producer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS, "acks": "all"})
    producer.produce(topic, key=b"client-1", value=b'{"hello": "kafka"}', headers={"h": b"v"})
    assert producer.flush(10) == 0

    consumer = Consumer(
        {
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
            "group.id": f"foundation-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    try:
        message = None
        for _ in range(60):
            message = consumer.poll(0.5)
            if message is not None and not message.error():
                break
    finally:
        consumer.close()

    assert message is not None and message.error() is None
    assert message.key() == b"client-1"
    assert message.value() == b'{"hello": "kafka"}'
    assert message.headers() == [("h", b"v")]


def test_admin_login_page_renders(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_superuser_logs_in_and_sees_the_admin_index(client):
    get_user_model().objects.create_superuser("analyst", "analyst@example.com", "s3cret-pass!")
    assert client.login(username="analyst", password="s3cret-pass!")
    response = client.get("/admin/")
    assert response.status_code == 200
    assert b"Cases" in response.content
    company = make_company()
    now = timezone.now()
    Case.objects.create(
        id=uuid.uuid4(),
        client_id="ADMIN-LIST-1",
        case_type="COMPANY_STANDARD",
        schema_version="1.0",
        traitement_type="KYB",
        company=company,
        created_at=now,
        updated_at=now,
    )
    changelist = client.get("/admin/cases/case/?status__exact=OPEN")
    assert changelist.status_code == 200 and b"ADMIN-LIST-1" in changelist.content


def test_readiness_reports_both_dependencies_up(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_liveness_answers_without_touching_dependencies(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_analyst_edits_a_document_rule_in_the_admin(client):
    from cases.models import DocumentRule

    get_user_model().objects.create_superuser("rules", "rules@example.com", "s3cret-pass!")
    client.login(username="rules", password="s3cret-pass!")
    rule = DocumentRule.objects.create(
        traitement_type="KYC", entity_type="PERSON", document_type="PASSPORT"
    )

    listing = client.get("/admin/cases/documentrule/")
    response = client.post(
        f"/admin/cases/documentrule/{rule.pk}/change/",
        {
            "traitement_type": "KYC",
            "entity_type": "PERSON",
            "case_type": "",
            "document_type": "PASSPORT",
            "is_required": "on",
        },
    )

    assert listing.status_code == 200 and b"PASSPORT" in listing.content
    assert response.status_code == 302
    assert DocumentRule.objects.get(pk=rule.pk).is_active is False
