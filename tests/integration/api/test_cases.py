"""Cases over the REST API: list, create (same as Kafka, idempotent), detail, status, notes,
timeline."""

import json
import uuid

import pytest
from django.utils import timezone

from cases.core import events as ev
from cases.intake.commands import CreateCase
from cases.intake.contract import MessageRejected, validate_payload
from cases.intake.services import open_cases
from cases.models import Case, DocumentRequirement, Notification, StoredEvent
from cases.selectors import get_case_timeline
from kafka_integration.ingest import process_batch
from kafka_integration.records import InboundRecord
from kafka_integration.schemas import parse_message
from tests.integration.api.payloads import KYB, KYC
from tests.integration.helpers import open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

CASES = "/api/v1/cases"


def open_many(count: int, client_id: str = "bulk") -> list[uuid.UUID]:
    """`count` bare cases (no parties, so cheap) in one batch, all with the same created_at:
    ties that the id must break."""
    now = timezone.now()
    commands = [
        CreateCase(
            source=f"test:{uuid.uuid4()}",
            message=validate_payload({**KYC, "client_id": f"{client_id}-{i}", "persons": []}),
            occurred_at=now,
        )
        for i in range(count)
    ]
    return open_cases(commands).case_ids


# --- List ------------------------------------------------------------------------------------


def test_list_needs_view_permission(make_caller):
    assert make_caller().get(CASES).status_code == 403
    assert make_caller("cases.view_case").get(CASES).status_code == 200


def test_list_filters_by_client_traitement_type_and_status(make_caller):
    kyc, kyb = open_case(KYC), open_case(KYB)
    caller = make_caller("cases.view_case")
    assert [c["id"] for c in caller.get(CASES, client_id="kyb-api").json()["items"]] == [
        str(kyb.pk)
    ]
    assert [c["id"] for c in caller.get(CASES, traitement_type="kyc").json()["items"]] == [
        str(kyc.pk)
    ]
    assert caller.get(CASES, status="CLOSED").json()["items"] == []
    later = caller.get(CASES, created_from=timezone.now().isoformat()).json()["items"]
    assert later == []


def test_cursor_walks_250_cases_without_gap_or_repeat_while_cases_are_inserted(make_caller):
    existing = {str(case_id) for case_id in open_many(250)}
    caller = make_caller("cases.view_case")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 37, **({"cursor": cursor} if cursor else {})}
        page = caller.get(CASES, **params).json()
        seen.extend(case["id"] for case in page["items"])
        open_many(3, client_id=f"late-{len(seen)}")  # newer cases arrive between pages
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert existing <= set(seen)


def test_limit_above_100_and_a_forged_cursor_are_refused_with_field_errors(make_caller):
    caller = make_caller("cases.view_case")
    too_many = caller.get(CASES, limit=101)
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["loc"] == "query.limit"
    forged = caller.get(CASES, cursor="bm90LWEtY3Vyc29y")
    assert forged.status_code == 400
    assert "cursor" in forged.json()["detail"]


# --- Create ----------------------------------------------------------------------------------


def test_create_answers_201_with_every_id_and_records_the_token_as_actor(make_caller):
    caller = make_caller("cases.add_case")
    response = caller.post(CASES, KYB)
    assert response.status_code == 201
    body = response.json()
    case = Case.objects.get(pk=body["case_id"])
    assert str(case.company_id) == body["company_id"]
    assert len(body["person_ids"]) == 1 and len(body["owner_ids"]) == 1
    assert (
        set(body["requirement_ids"])
        == {str(pk) for pk in DocumentRequirement.objects.filter(case_id=case.pk).values_list("pk")}
        or len(body["requirement_ids"]) == 4
    )
    actors = {e.metadata["actor"] for e in StoredEvent.objects.filter(case_id=case.pk)}
    assert f"TOKEN:token-of-{caller.user.username}" in actors


def test_create_needs_add_case_permission(make_caller):
    assert make_caller("cases.view_case").post(CASES, KYC).status_code == 403


def test_create_rejects_like_kafka_with_the_same_field_paths_and_messages(make_caller):
    bad = {**KYB, "company_profile": {**KYB["company_profile"], "country_of_incorporation": "ZZ"}}
    bad["persons"] = [{"firstname": "", "lastname": "X", "birthdate": "2999-01-01"}]
    response = make_caller("cases.add_case").post(CASES, bad)
    assert response.status_code == 422
    with pytest.raises(MessageRejected) as kafka:
        parse_message(json.dumps(bad).encode())
    expected = [{"loc": issue.loc, "msg": issue.msg} for issue in kafka.value.issues]
    assert response.json()["errors"] == expected
    assert Case.objects.count() == 0


@pytest.mark.parametrize("body", ["{not json", '{"client_id": NaN}'])
def test_create_refuses_a_body_that_is_not_strict_json_with_400(make_caller, body):
    caller = make_caller("cases.add_case")
    response = caller.client.post(CASES, body, content_type="application/json", headers=caller.auth)
    assert response.status_code == 400
    assert response.json()["detail"] == "request body is not valid JSON"


def test_create_refuses_a_body_over_one_mebibyte_with_413_before_parsing_it(make_caller):
    caller = make_caller("cases.add_case")
    huge = json.dumps({**KYC, "padding": "x" * (1024 * 1024)})
    response = caller.client.post(CASES, huge, content_type="application/json", headers=caller.auth)
    assert response.status_code == 413
    assert Case.objects.count() == 0


def test_a_created_range_without_a_utc_offset_is_refused(make_caller):
    response = make_caller("cases.view_case").get(CASES, created_from="2026-01-01T00:00:00")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == "query.created_from"


@pytest.mark.usefixtures("case_created_rule")
def test_retry_with_the_same_idempotency_key_returns_the_same_body_and_one_case(make_caller):
    caller = make_caller("cases.add_case")
    first = caller.post(CASES, KYB, headers={"Idempotency-Key": "order-7"})
    again = caller.post(CASES, KYB, headers={"Idempotency-Key": "order-7"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert Case.objects.count() == 1
    assert Notification.objects.count() == 1


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(make_caller):
    caller = make_caller("cases.add_case")
    caller.post(CASES, KYB, headers={"Idempotency-Key": "k"})
    events = StoredEvent.objects.count()
    other = caller.post(
        CASES, {**KYB, "client_id": "someone-else"}, headers={"Idempotency-Key": "k"}
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    assert StoredEvent.objects.count() == events


def test_without_idempotency_key_each_client_gets_its_case_and_a_repeat_updates_it(make_caller):
    caller = make_caller("cases.add_case")
    first = caller.post(CASES, KYC)
    other_client = caller.post(CASES, {**KYC, "client_id": "kyc-api-2"})
    repeat = caller.post(CASES, KYC)
    assert (first.status_code, other_client.status_code, repeat.status_code) == (201, 201, 200)
    assert first.json()["case_id"] != other_client.json()["case_id"]
    assert repeat.json() == {
        "outcome": "no change",
        "case_id": first.json()["case_id"],
        "event_ids": [],
    }


def test_a_changed_record_for_an_open_case_answers_200_updated(make_caller):
    caller = make_caller("cases.add_case")
    created = caller.post(CASES, KYC).json()
    moved = {**KYC, "persons": [*KYC["persons"], {"firstname": "Alan", "lastname": "Turing"}]}
    answer = caller.post(CASES, moved)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["outcome"], body["case_id"]) == ("updated", created["case_id"])
    assert StoredEvent.objects.get(pk=body["event_ids"][0]).event_type == "ClientDataUpdated"
    conflict = caller.post(CASES, {**KYB, "client_id": KYC["client_id"]})
    assert conflict.status_code == 409
    assert conflict.json()["errors"][0]["loc"] == "traitement_type"


def test_two_callers_using_the_same_key_get_two_cases(make_caller):
    one, two = make_caller("cases.add_case"), make_caller("cases.add_case")
    a = one.post(CASES, KYC, headers={"Idempotency-Key": "same"}).json()["case_id"]
    other = {**KYC, "client_id": "kyc-api-2"}
    b = two.post(CASES, other, headers={"Idempotency-Key": "same"}).json()["case_id"]
    assert a != b


def _shape(case_id: uuid.UUID) -> tuple:
    timeline = [e.event_type for e in get_case_timeline(case_id)]
    requirements = sorted(
        (r.entity_type, r.document_type)
        for r in DocumentRequirement.objects.filter(case_id=case_id)
    )
    notification = Notification.objects.get(case_id=case_id).envelope["payload"]
    return timeline, requirements, notification["notification_type"], notification["template_id"]


@pytest.mark.usefixtures("case_created_rule")
def test_a_case_from_the_api_and_one_from_kafka_have_the_same_events_requirements_notification(
    make_caller,
):
    via_api = make_caller("cases.add_case").post(CASES, KYB).json()["case_id"]
    record = InboundRecord("api-vs-kafka", 0, 1, json.dumps(KYB).encode(), b"k")
    via_kafka = process_batch([record])[0].case_id
    assert _shape(uuid.UUID(via_api)) == _shape(via_kafka)
    assert ev.NOTIFICATION_REQUIRED in _shape(via_kafka)[0]


# --- Detail, status, notes, timeline ---------------------------------------------------------


def test_detail_has_persons_company_owners_and_a_requirement_summary(make_caller):
    case = open_case(KYB)
    body = make_caller("cases.view_case").get(f"{CASES}/{case.pk}").json()
    assert body["company"]["registered_name"] == "Api Works SA"
    assert [p["lastname"] for p in body["persons"]] == ["Boss"]
    assert body["beneficial_owners"][0]["person_details"]["lastname"] == "Owner"
    assert body["requirements"]["total"] == 4
    assert body["requirements"]["by_status"] == {"AWAITING_UPLOAD": 4}


def test_detail_of_an_unknown_case_is_404_and_a_malformed_id_422(make_caller):
    caller = make_caller("cases.view_case")
    missing = caller.get(f"{CASES}/{uuid.uuid4()}")
    assert missing.status_code == 404 and "not found" in missing.json()["detail"]
    assert caller.get(f"{CASES}/not-a-uuid").status_code == 422


def test_status_change_succeeds_with_permission_and_records_the_caller(make_caller):
    case = open_case(KYC)
    assert make_caller("cases.view_case").post(f"{CASES}/{case.pk}/status", {}).status_code == 403
    caller = make_caller("cases.change_case")
    response = caller.post(f"{CASES}/{case.pk}/status", {"new_status": "in_review"})
    assert response.status_code == 200
    assert response.json()["status"] == "IN_REVIEW"
    changed = StoredEvent.objects.get(case_id=case.pk, event_type=ev.CASE_STATUS_CHANGED)
    assert changed.metadata["actor"] == f"TOKEN:token-of-{caller.user.username}"


def test_illegal_transition_is_409_listing_the_allowed_statuses(make_caller):
    case = open_case(KYC)
    response = make_caller("cases.change_case").post(
        f"{CASES}/{case.pk}/status", {"new_status": "APPROVED"}
    )
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"loc": "body.new_status", "msg": "allowed: CLOSED, IN_REVIEW"}
    ]


def test_stale_expected_version_is_409_and_unknown_case_404(make_caller):
    case = open_case(KYC)
    caller = make_caller("cases.change_case")
    stale = caller.post(
        f"{CASES}/{case.pk}/status", {"new_status": "IN_REVIEW", "expected_version": 7}
    )
    assert stale.status_code == 409
    unknown = caller.post(f"{CASES}/{uuid.uuid4()}/status", {"new_status": "IN_REVIEW"})
    assert unknown.status_code == 404


def test_a_retried_status_change_with_the_same_key_is_applied_once(make_caller):
    case = open_case(KYC)
    caller = make_caller("cases.change_case")
    for _ in range(2):
        response = caller.post(
            f"{CASES}/{case.pk}/status", {"new_status": "IN_REVIEW"}, {"Idempotency-Key": "s1"}
        )
        assert response.status_code == 200
    assert StoredEvent.objects.filter(event_type=ev.CASE_STATUS_CHANGED).count() == 1


def test_note_is_added_with_201_and_an_empty_note_is_422(make_caller):
    case = open_case(KYC)
    caller = make_caller("cases.change_case")
    added = caller.post(f"{CASES}/{case.pk}/notes", {"text": "  Called the client. "})
    assert added.status_code == 201
    assert added.json()["notes"][0]["text"] == "Called the client."
    empty = caller.post(f"{CASES}/{case.pk}/notes", {"text": ""})
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["loc"] == "body.text"
    assert caller.post(f"{CASES}/{uuid.uuid4()}/notes", {"text": "x"}).status_code == 404


def test_timeline_pages_through_every_event_of_the_case_in_order(make_caller):
    case = open_case(KYB)
    caller = make_caller("cases.view_storedevent")
    expected = [str(e.event_id) for e in get_case_timeline(case.pk)]
    seen, cursor = [], None
    while True:
        page = caller.get(
            f"{CASES}/{case.pk}/events", limit=3, **({"cursor": cursor} if cursor else {})
        ).json()
        seen.extend(e["event_id"] for e in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == expected
    assert caller.get(f"{CASES}/{uuid.uuid4()}/events").status_code == 404
    assert make_caller("cases.view_case").get(f"{CASES}/{case.pk}/events").status_code == 403
