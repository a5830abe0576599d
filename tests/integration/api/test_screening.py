"""Screening over the REST API (SPEC §3c, §7): a case's screening per party, re-screening, hits
resolved with four eyes, the watchlists; every refusal a 4xx with the reason. Lists are tiny FtM
files loaded through the real loader, screened by the real worker."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Group

from cases.models import Case, ScreeningHit, StoredEvent
from cases.screening.worker import run_once
from cases.workflow.commands import AssignCase, ChangeCaseStatus
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP
from cases.workflow.services import assign_case, change_case_status
from tests.integration.helpers import open_case, settle_documents
from tests.integration.screening.conftest import entity

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules"),
]

CASES = "/api/v1/cases"
HITS = "/api/v1/screening/hits"
READ = ("cases.view_case", "cases.view_screeninghit")
KYC = {
    "client_id": "kyc-screened-api",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Ivan", "lastname": "Petrov", "birthdate": "1970-01-01"}],
}
IVAN = entity(
    "ivan-1",
    name=["Ivan Petrov", "Иван Петров"],
    birthDate="1970-01-01",
    country="ru",
    topics="sanction",
)


@pytest.fixture
def member(make_caller):
    """`member(group, *permissions)`: an API caller in `group` holding the read permissions."""

    def make(group: str | None, *permissions: str):
        caller = make_caller(*READ, *permissions)
        if group:
            caller.user.groups.add(Group.objects.get_or_create(name=group)[0])
        return caller

    return make


def screened_case(load_list) -> Case:
    load_list("watch", [IVAN])
    case = open_case(KYC)
    assert run_once()["screened"] == 1
    return case


def only_hit(caller, case) -> dict:
    body = caller.get(f"{CASES}/{case.pk}/screening").json()
    [party] = body["parties"]
    [hit] = party["hits"]
    return hit


def test_reading_a_case_screening_needs_credentials_the_view_permissions_and_a_known_case(
    make_caller, member
):
    case = open_case(KYC)
    url = f"{CASES}/{case.pk}/screening"
    anonymous = make_caller().client.get(url)
    assert anonymous.status_code == 401 and anonymous.json()["detail"].startswith("authentication")
    no_hits = make_caller("cases.view_case").get(url)
    assert no_hits.status_code == 403
    assert no_hits.json()["detail"] == "permission cases.view_screeninghit required"
    unknown = member(None).get(f"{CASES}/{uuid.uuid4()}/screening")
    assert unknown.status_code == 404 and "not found" in unknown.json()["detail"]


def test_a_case_shows_screening_pending_then_each_party_list_version_and_hit(load_list, member):
    version = load_list("watch", [IVAN]).version
    case = open_case(KYC)
    reader = member(None)
    url = f"{CASES}/{case.pk}/screening"

    before = reader.get(url).json()
    assert (before["screening_pending"], before["pending_requests"]) == (True, 1)
    assert [p["screening_pending"] for p in before["parties"]] == [True]
    assert before["parties"][0]["latest"] == [] and before["parties"][0]["hits"] == []

    run_once()
    body = reader.get(url).json()
    assert (body["screening_pending"], body["open_hits"]) == (False, 1)
    assert body["case_version"] == Case.objects.get(pk=case.pk).version
    [party] = body["parties"]
    assert (party["party_type"], party["name"], party["removed"]) == (
        "PERSON",
        "Ivan Petrov",
        False,
    )
    [latest] = party["latest"]
    assert (latest["dataset"], latest["version"], latest["scope"], latest["hit_count"]) == (
        "watch",
        version.version,
        "full",
        1,
    )
    assert latest["algorithm"] and latest["threshold"] > 0 and latest["screened_at"]
    [hit] = party["hits"]
    assert (hit["entity_id"], hit["entity_schema"], hit["status"]) == ("ivan-1", "Person", "OPEN")
    assert set(hit["names"]) == {"Ivan Petrov", "Иван Петров"}
    assert (hit["birth_dates"], hit["countries"], hit["topics"]) == (
        ["1970-01-01"],
        ["ru"],
        ["sanction"],
    )
    assert hit["score"] >= latest["threshold"] and hit["features"]
    assert hit["list_version"] == version.version and hit["resolution"] is None


def test_a_false_positive_is_resolved_once_and_the_refusals_say_why(load_list, member):
    case = screened_case(load_list)
    ana = member(ANALYST_GROUP, "cases.resolve_screeninghit")
    hit = only_hit(ana, case)
    url = f"{HITS}/{hit['id']}/resolve"
    body = {"resolution": "false_positive", "rationale": "other birth place"}

    outsider = member(None).post(url, body)
    assert outsider.status_code == 403
    assert outsider.json()["detail"] == "permission cases.resolve_screeninghit required"
    unknown = ana.post(f"{HITS}/{uuid.uuid4()}/resolve", body)
    assert unknown.status_code == 404 and "not found" in unknown.json()["detail"]
    maybe = ana.post(url, {**body, "resolution": "MAYBE"})
    assert maybe.status_code == 422 and maybe.json()["errors"][0]["loc"] == "body.resolution"
    stale = ana.post(url, {**body, "expected_version": 1})
    assert stale.status_code == 409 and "version conflict" in stale.json()["detail"]

    key = {"Idempotency-Key": "fp-1"}
    resolved = ana.post(url, body, key)
    assert resolved.status_code == 200, resolved.json()
    out = resolved.json()
    assert (out["status"], out["resolution"]["resolution"]) == ("FALSE_POSITIVE", "FALSE_POSITIVE")
    assert (out["resolution"]["by"], out["resolution"]["rationale"]) == (
        ana.user.username,
        "other birth place",
    )
    events = StoredEvent.objects.count()
    retry = ana.post(url, body, key)
    assert (retry.status_code, retry.json()["status"]) == (200, "FALSE_POSITIVE")
    assert StoredEvent.objects.count() == events  # a retry changes nothing

    again = ana.post(url, {"resolution": "TRUE_MATCH", "rationale": "second thoughts"})
    assert again.status_code == 409
    assert "only an OPEN hit can be resolved" in again.json()["detail"]
    assert Case.objects.get(pk=case.pk).open_hits == 0


def test_a_true_match_is_proposed_returned_and_approved_by_a_lead_who_did_not_propose_it(
    load_list, member
):
    case = screened_case(load_list)
    ana = member(ANALYST_GROUP, "cases.resolve_screeninghit")
    bob = member(ANALYST_GROUP, "cases.resolve_screeninghit")
    lea = member(LEAD_GROUP, "cases.resolve_screeninghit")
    leo = member(LEAD_GROUP, "cases.resolve_screeninghit")
    hit = only_hit(ana, case)
    approve, return_ = f"{HITS}/{hit['id']}/approve", f"{HITS}/{hit['id']}/return"

    nothing_proposed = lea.post(approve, {})
    assert nothing_proposed.status_code == 409
    assert "only an MATCH_PROPOSED hit" in nothing_proposed.json()["detail"]

    proposal = {"resolution": "TRUE_MATCH", "rationale": "same person, same birth date"}
    proposed = ana.post(f"{HITS}/{hit['id']}/resolve", proposal).json()
    assert (proposed["status"], proposed["resolution"]["proposed_by"]) == (
        "MATCH_PROPOSED",
        ana.user.username,
    )
    assert proposed["resolution"]["approval_group"] == LEAD_GROUP
    not_a_lead = bob.post(approve, {})
    assert not_a_lead.status_code == 403 and LEAD_GROUP in not_a_lead.json()["detail"]
    no_reason = lea.post(return_, {"reason": ""})
    assert no_reason.status_code == 422

    returned = lea.post(return_, {"reason": "check the passport"})
    assert returned.status_code == 200 and returned.json()["status"] == "OPEN"
    assert returned.json()["resolution"]["returned_by"] == lea.user.username

    lea.post(f"{HITS}/{hit['id']}/resolve", proposal)  # a lead proposes this time
    own = lea.post(approve, {})
    assert own.status_code == 403 and "four eyes" in own.json()["detail"]
    approved = leo.post(approve, {"comment": "agreed"})
    assert approved.status_code == 200, approved.json()
    out = approved.json()
    assert (out["status"], out["resolution"]["approved_by"]) == ("TRUE_MATCH", leo.user.username)
    assert Case.objects.get(pk=case.pk).confirmed_hit_topics == ["sanction"]
    assert ScreeningHit.objects.get(pk=hit["id"]).status == "TRUE_MATCH"


def test_rescreen_queues_a_screening_for_analysts_and_is_409_on_a_closed_case(load_list, member):
    case = screened_case(load_list)
    url = f"{CASES}/{case.pk}/screening/rescreen"
    viewer = member(None)
    assert viewer.post(url).status_code == 403  # no cases.change_case
    no_role = member(None, "cases.change_case").post(url)
    assert no_role.status_code == 403 and "only analysts" in no_role.json()["detail"]
    ana = member(ANALYST_GROUP, "cases.change_case")

    queued = ana.post(url, headers={"Idempotency-Key": "again-1"})
    assert queued.status_code == 202, queued.json()
    assert (queued.json()["screening_pending"], queued.json()["pending_requests"]) == (True, 1)
    retry = ana.post(url, headers={"Idempotency-Key": "again-1"})
    assert (retry.status_code, retry.json()["pending_requests"]) == (202, 1)
    assert run_once() == {"screened": 1}
    assert viewer.get(f"{CASES}/{case.pk}/screening").json()["screening_pending"] is False

    change_case_status(ChangeCaseStatus(case.pk, "CLOSED", "USER:test"))
    closed = ana.post(url)
    assert closed.status_code == 409 and "CLOSED" in closed.json()["detail"]
    assert ana.post(f"{CASES}/{uuid.uuid4()}/screening/rescreen").status_code == 404


def test_watchlists_show_each_version_with_its_delta(load_list, make_caller):
    first = load_list("watch", [IVAN], name="v1").version
    marta = entity("marta-1", name="Marta Kowalczyk", topics="role.pep")
    changed = entity("ivan-1", name="Ivan Petrov", birthDate="1970-01-01", topics="sanction")
    second = load_list("watch", [changed, marta], name="v2").version

    assert make_caller("cases.view_case").get("/api/v1/watchlists").status_code == 403
    response = make_caller("screening.view_watchlistversion").get("/api/v1/watchlists")
    assert response.status_code == 200, response.json()
    [watch] = response.json()["items"]
    assert (watch["dataset"], watch["current_version"]) == ("watch", second.version)
    assert [v["version"] for v in watch["versions"]] == [second.version, first.version]
    newest, oldest = watch["versions"]
    assert (newest["current"], newest["entity_count"]) == (True, 2)
    assert newest["delta"] == {"added": 1, "changed": 1, "removed": 0}
    assert (oldest["current"], oldest["delta"]["added"]) == (False, 1)
    one = make_caller(superuser=True).get("/api/v1/watchlists", versions=1).json()
    assert len(one["items"][0]["versions"]) == 1


def test_an_open_hit_refuses_a_proposed_approval_naming_the_hit_until_it_is_cleared(
    load_list, member
):
    case = screened_case(load_list)
    ana = member(ANALYST_GROUP, "cases.change_case", "cases.resolve_screeninghit")
    change_case_status(ChangeCaseStatus(case.pk, "IN_REVIEW", f"USER:{ana.user.username}"))
    assign_case(AssignCase(case.pk, ana.user.username, f"USER:{ana.user.username}"))
    settle_documents(case.pk)
    proposal = {"decision": "APPROVED", "rationale": "documents verified"}

    refused = ana.post(f"{CASES}/{case.pk}/decision", proposal)
    assert refused.status_code == 409
    [error] = refused.json()["errors"]
    hit = only_hit(ana, case)
    assert error["loc"] == "screening_hits" and error["msg"].startswith(f"hit {hit['id']}: ivan-1")
    assert "Ivan Petrov" not in error["msg"]  # the list entity's name stays out of error bodies

    cleared = {"resolution": "FALSE_POSITIVE", "rationale": "another Ivan Petrov"}
    assert ana.post(f"{HITS}/{hit['id']}/resolve", cleared).status_code == 200
    proposed = ana.post(f"{CASES}/{case.pk}/decision", proposal)
    assert proposed.status_code == 200, proposed.json()
    assert proposed.json()["status"] == "PENDING_APPROVAL"
