"""The client claim's numbering and identity (cases.client_updates.claims). Pure."""

import uuid
from datetime import UTC, datetime

from cases.client_updates import claims
from cases.intake.commands import CreateCase
from cases.intake.contract import validate_payload
from cases.intake.handlers import case_id_for

RECORD = {
    "client_id": "CLI-CLAIM",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Ida", "lastname": "Claim", "birthdate": "1991-01-01"}],
}


def command(source: str) -> CreateCase:
    return CreateCase(
        source=source,
        message=validate_payload(RECORD),
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_a_new_client_opens_generation_one_and_each_closed_case_adds_one():
    own = uuid.uuid4()
    assert claims.ClientCases(None, frozenset()).next_generation(own) == 1
    assert (
        claims.ClientCases(None, frozenset({uuid.uuid4(), uuid.uuid4()})).next_generation(own) == 3
    )


def test_a_redelivered_record_does_not_count_its_own_case_so_its_claim_keeps_its_version():
    own = uuid.uuid4()
    earlier = uuid.uuid4()
    assert claims.ClientCases(own, frozenset({earlier, own})).next_generation(own) == 2


def test_two_records_of_one_client_claim_the_same_stream_version_with_their_own_ids():
    first = claims.claim_event(command("kafka:t:0:1"), 4, sequence=3)
    second = claims.claim_event(command("kafka:t:0:2"), 4)
    assert (first.aggregate_id, first.version) == (second.aggregate_id, second.version)
    assert first.aggregate_id == claims.stream_id("CLI-CLAIM")
    assert first.event_id != second.event_id
    assert first.payload["opened_case_id"] == str(case_id_for("kafka:t:0:1"))
    assert "case_id" not in first.payload  # not part of the case's own history
    assert claims.claim_event(command("kafka:t:0:1"), 5).event_id == first.event_id
