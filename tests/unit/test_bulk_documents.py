"""cases.core.bulk converts instances exactly as the ORM's own field conversion does (no I/O)."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import UTC, date, datetime

from django.db import DEFAULT_DB_ALIAS, connections

from cases.core import bulk
from cases.models import Case, DocumentRequirement, Person, RawEvent


def _orm_document(instance) -> dict:
    connection = connections[DEFAULT_DB_ALIAS]
    return {
        field.column: field.get_db_prep_save(field.pre_save(instance, True), connection=connection)
        for field in instance._meta.concrete_fields
    }


def test_documents_match_the_orm_conversion_for_aware_datetimes_in_any_zone():
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    instances = [
        Case(
            id=uuid.uuid4(),
            client_id="C-1",
            case_type="KYC",
            schema_version="1.0",
            traitement_type="KYC",
            created_at=datetime(2026, 3, 29, 1, 30, tzinfo=paris),
            updated_at=datetime(2026, 3, 29, 3, 30, tzinfo=UTC),
        ),
        Person(
            id=uuid.uuid4(),
            case_id=uuid.uuid4(),
            firstname="Ada",
            lastname="L",
            birthdate=date(1990, 1, 2),
            position=0,
        ),
        DocumentRequirement(
            id=uuid.uuid4(),
            case_id=uuid.uuid4(),
            entity_type="PERSON",
            entity_id=uuid.uuid4(),
            document_type="ID",
            is_required=True,
            status="PENDING",
            created_at=datetime(2026, 10, 25, 2, 30, tzinfo=paris),
            updated_at=datetime(2026, 10, 25, 2, 30, tzinfo=paris),
        ),
        RawEvent(id=uuid.uuid4(), topic="t", partition=0, offset=1, received_at=None),
    ]

    assert bulk.to_documents(instances) == [_orm_document(i) for i in instances]


def test_stored_datetimes_are_naive_utc_like_the_backend_writes_them():
    moment = datetime(2026, 7, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    case = Case(id=uuid.uuid4(), client_id="C", created_at=moment, updated_at=moment)

    document = bulk.to_document(case)

    assert document["created_at"] == datetime(2026, 7, 1, 10, 0)
    assert document["created_at"].tzinfo is None
