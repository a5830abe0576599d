"""Idempotency keys are scoped to the caller and the operation (docs/api.md, Idempotency), and
a request is validated before a retry is served."""

import pytest
from django.contrib.auth.models import Group

from cases.models import Case, IdempotencyKey, StoredEvent
from cases.workflow.rules import ANALYST_GROUP
from tests.integration.api.payloads import KYC
from tests.integration.helpers import open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules"),
]

CASES = "/api/v1/cases"


@pytest.fixture
def analyst(make_caller):
    caller = make_caller("cases.change_case", "cases.view_case")
    caller.user.groups.add(Group.objects.get_or_create(name=ANALYST_GROUP)[0])
    return caller


def test_one_key_on_different_operations_and_cases_is_a_different_request_each_time(analyst):
    first, second = open_case(KYC), open_case({**KYC, "client_id": "kyc-api-2"})
    key = {"Idempotency-Key": "shared-key"}

    note = analyst.post(f"{CASES}/{first.pk}/notes", {"text": "called"}, key)
    status = analyst.post(f"{CASES}/{second.pk}/status", {"new_status": "IN_REVIEW"}, key)
    claimed = analyst.post(f"{CASES}/claim-next", {}, key)

    assert (note.status_code, status.status_code, claimed.status_code) == (201, 200, 200), [
        r.json() for r in (note, status, claimed)
    ]
    assert Case.objects.get(pk=second.pk).status == "IN_REVIEW"
    assert IdempotencyKey.objects.count() == 3


def test_a_retry_of_the_same_request_is_applied_once(analyst):
    case = open_case(KYC)
    key = {"Idempotency-Key": "note-1"}
    first = analyst.post(f"{CASES}/{case.pk}/notes", {"text": "called"}, key)
    again = analyst.post(f"{CASES}/{case.pk}/notes", {"text": "called"}, key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert len(Case.objects.get(pk=case.pk).notes) == 1


@pytest.mark.parametrize(
    ("second_path", "second_body"),
    [("same", {"text": "something else"}), ("other case", {"text": "called"})],
)
def test_the_same_key_with_a_different_request_to_the_operation_is_422_and_changes_nothing(
    analyst, second_path, second_body
):
    case, other = open_case(KYC), open_case({**KYC, "client_id": "kyc-api-2"})
    key = {"Idempotency-Key": "note-2"}
    assert analyst.post(f"{CASES}/{case.pk}/notes", {"text": "called"}, key).status_code == 201
    events = StoredEvent.objects.count()
    target = case if second_path == "same" else other
    refused = analyst.post(f"{CASES}/{target.pk}/notes", second_body, key)
    assert refused.status_code == 422
    assert "Idempotency-Key" in refused.json()["detail"]
    assert StoredEvent.objects.count() == events


@pytest.mark.parametrize("operation", ["claim-next", "{case_id}/decision/approve"])
def test_a_body_that_is_not_an_object_is_422_even_for_a_key_already_used(analyst, operation):
    case = open_case(KYC)
    path = f"{CASES}/{operation.format(case_id=case.pk)}"
    key = {"Idempotency-Key": "claim-1"}
    analyst.post(path, {}, key)  # 200 or a refusal: the key now stands for `{}`
    for body in ([None, None], [], 7, '"text"'):
        refused = analyst.post(path, body, key)
        assert refused.status_code == 422, (body, refused.json())
        assert refused.json()["errors"][0]["msg"].endswith("the body must be a JSON object")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("{case}/notes", {"text": "x", "expected_version": False}),
        ("{case}/status", {"new_status": "IN_REVIEW", "expected_version": 1.5}),
        ("{case}/decision", {"decision": "", "rationale": "r"}),
        ("{case}/status", {"new_status": "SOMETHING"}),
    ],
)
def test_values_outside_the_schema_are_422_from_the_schema(analyst, path, body):
    case = open_case(KYC)
    refused = analyst.post(f"{CASES}/{path.format(case=case.pk)}", body)
    assert refused.status_code == 422
    assert refused.json()["detail"] == "the request is not valid"


@pytest.mark.parametrize("value", ["0.5", "1700000000", "nan"])
def test_a_number_is_not_a_created_range_bound(make_caller, value):
    caller = make_caller("cases.view_case")
    refused = caller.get(CASES, created_to=value)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == "query.created_to"
    assert caller.get(CASES, created_to="2026-01-31T00:00:00Z").status_code == 200


def test_first_attempts_racing_with_one_key_store_it_once_and_refuse_the_different_one():
    """Racers that all find no record all insert; the losers read the winner's by the duplicate's
    code (on any server), so the same request is served and a different one is refused. Several
    rounds, so that some round has two inserts in flight at once."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connections

    from cases.api.idempotency import claim_key
    from cases.core.errors import InvalidCommand

    racers, rounds = 6, 15
    barrier = Barrier(racers, timeout=30)  # a racer that died must not hang the others

    def claim(job: tuple[int, str]) -> str:
        round_, digest = job
        barrier.wait()
        try:
            return str(claim_key("TOKEN:race", "POST /cases", f"key-{round_}", digest))
        except InvalidCommand:
            return "refused"

    def closing(job: tuple[int, str]) -> list[str]:
        try:
            return [claim((round_, job[1])) for round_ in range(rounds)]
        finally:
            connections.close_all()

    digests = ["a", "b"] * (racers // 2)
    with ThreadPoolExecutor(racers) as pool:
        answers = list(pool.map(closing, [(0, d) for d in digests]))

    stored = {str(record.pk): record.request_digest for record in IdempotencyKey.objects.all()}
    assert len(stored) == rounds
    for round_ in range(rounds):
        given = [answer[round_] for answer in answers]
        winners = set(given) - {"refused"}
        assert len(winners) == 1, given
        digest = stored[winners.pop()]
        assert [a == "refused" for a in given] == [d != digest for d in digests], given
