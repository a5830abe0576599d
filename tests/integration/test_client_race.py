"""One open case per client when two writers route the same client at the same instant (§3b).

Each race lines two threads up on a barrier right before the real routing path, so both read
"no open case" together; real FerretDB, no mocks.
"""

import threading
import uuid
from collections.abc import Callable

import pytest
from django.db import connections
from django.utils import timezone

from cases.client_updates import claims, services
from cases.client_updates.services import CREATED, UPDATED, open_or_update, route_intake
from cases.core import event_store
from cases.core.lifecycle import ACTIVE_CASE_STATUSES
from cases.intake.commands import CreateCase
from cases.intake.contract import validate_payload
from cases.intake.requested import CreatedCase
from cases.models import Case, StoredEvent
from cases.workflow.commands import ChangeCaseStatus
from cases.workflow.services import change_case_status

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]


def record(client_id: str, lastname: str) -> dict:
    return {
        "client_id": client_id,
        "version": "1.0",
        "type": "INDIVIDUAL_STANDARD",
        "traitement_type": "KYC",
        "persons": [{"firstname": "Rae", "lastname": lastname, "birthdate": "1990-05-05"}],
    }


def command(source: str, client_id: str, lastname: str) -> CreateCase:
    return CreateCase(
        source=source,
        message=validate_payload(record(client_id, lastname)),
        occurred_at=timezone.now(),
    )


def in_parallel(*calls: Callable[[], object]) -> list[object]:
    """Run the calls on their own threads (own DB connections), released together."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            outcomes[index] = call()
        except Exception as exc:  # surfaced by the assertion below
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome
    return outcomes


def open_cases_of(client_id: str) -> list[Case]:
    return list(Case.objects.filter(client_id=client_id, status__in=ACTIVE_CASE_STATUSES))


def test_two_consumers_routing_a_new_client_at_once_open_one_case_and_update_it():
    client_id = f"CLI-RACE-{uuid.uuid4().hex[:8]}"
    first = command(f"kafka:race:0:{client_id}", client_id, "Early")
    second = command(f"kafka:race:1:{client_id}", client_id, "Later")

    results = in_parallel(lambda: route_intake([first]), lambda: route_intake([second]))

    outcomes = sorted(result[0].outcome for result in results)
    assert outcomes == [CREATED, UPDATED]
    opened = open_cases_of(client_id)
    assert len(opened) == 1
    assert {result[0].case_id for result in results} == {opened[0].pk}


def test_consumer_and_api_creating_the_same_client_at_once_open_one_case():
    client_id = f"CLI-RACE-{uuid.uuid4().hex[:8]}"
    from_kafka = command(f"kafka:race:2:{client_id}", client_id, "Kafka")
    from_api = command(f"api:race:{client_id}", client_id, "Api")

    (kafka,), api = in_parallel(
        lambda: route_intake([from_kafka]), lambda: open_or_update(from_api)
    )

    (opened,) = open_cases_of(client_id)
    api_case = api.case.pk if isinstance(api, CreatedCase) else api.case_id
    assert (kafka.case_id, api_case) == (opened.pk, opened.pk)
    assert isinstance(api, CreatedCase) != (kafka.outcome == CREATED)


def test_client_with_only_closed_cases_reopens_once_under_two_racing_records():
    client_id = f"CLI-RACE-{uuid.uuid4().hex[:8]}"
    (old,) = route_intake([command(f"kafka:race:3:{client_id}", client_id, "Old")])
    change_case_status(ChangeCaseStatus(case_id=old.case_id, new_status="CLOSED", actor="analyst"))
    first = command(f"kafka:race:4:{client_id}", client_id, "Early")
    second = command(f"kafka:race:5:{client_id}", client_id, "Later")

    results = in_parallel(lambda: route_intake([first]), lambda: route_intake([second]))

    assert sorted(result[0].outcome for result in results) == [CREATED, UPDATED]
    assert len(open_cases_of(client_id)) == 1
    assert Case.objects.filter(client_id=client_id).count() == 2


def test_redelivered_records_of_a_race_open_nothing_more_and_append_nothing_twice():
    client_id = f"CLI-RACE-{uuid.uuid4().hex[:8]}"
    first = command(f"kafka:race:6:{client_id}", client_id, "Early")
    second = command(f"kafka:race:7:{client_id}", client_id, "Later")
    in_parallel(lambda: route_intake([first]), lambda: route_intake([second]))
    stored = StoredEvent.objects.filter(correlation_id__in=[first.source, second.source]).count()

    again = route_intake([second, first])

    assert {result.case_id for result in again} == {open_cases_of(client_id)[0].pk}
    assert len(open_cases_of(client_id)) == 1
    assert (
        StoredEvent.objects.filter(correlation_id__in=[first.source, second.source]).count()
        == stored
    )


def test_claim_left_uncommitted_by_a_dead_writer_is_reaped_and_does_not_block_the_client():
    client_id = f"CLI-RACE-{uuid.uuid4().hex[:8]}"
    dead = command(f"kafka:race:8:{client_id}", client_id, "Dead")
    # The dead writer got as far as inserting its claim, then never committed it.
    claim = claims.claim_event(dead, generation=1)
    event_store.bulk.insert_missing(
        [event_store.to_stored(claim, timezone.now() - 2 * event_store.ABANDONED_AFTER)]
    )

    (result,) = route_intake([command(f"kafka:race:9:{client_id}", client_id, "Alive")])

    assert result.outcome == CREATED
    assert [case.pk for case in open_cases_of(client_id)] == [result.case_id]
    assert not StoredEvent.objects.filter(event_id=claim.event_id).exists()


def test_fresh_uncommitted_claim_is_left_to_its_writer_and_the_record_fails_to_be_retried(
    monkeypatch,
):
    monkeypatch.setattr(services, "MAX_ATTEMPTS", 2)
    client_id = f"CLI-RACE-{uuid.uuid4().hex[:8]}"
    claim = claims.claim_event(command(f"kafka:race:10:{client_id}", client_id, "Slow"), 1)
    event_store.bulk.insert_missing([event_store.to_stored(claim, timezone.now())])

    (result,) = route_intake([command(f"kafka:race:11:{client_id}", client_id, "Other")])

    assert (result.outcome, result.reason) == ("failed", "concurrent_updates")
    assert open_cases_of(client_id) == []
    assert StoredEvent.objects.filter(event_id=claim.event_id).exists()


def test_two_records_of_one_client_in_one_batch_after_its_case_closed_open_one_case():
    client_id = f"CLI-RACE-{uuid.uuid4().hex[:8]}"
    (old,) = route_intake([command(f"kafka:race:12:{client_id}", client_id, "Old")])
    change_case_status(ChangeCaseStatus(case_id=old.case_id, new_status="CLOSED", actor="analyst"))

    results = route_intake(
        [
            command(f"kafka:race:{n}:{client_id}", client_id, name)
            for n, name in ((13, "A"), (14, "B"))
        ]
    )

    (opened,) = open_cases_of(client_id)
    assert [(r.outcome, r.case_id) for r in results] == [(CREATED, opened.pk), (UPDATED, opened.pk)]
