"""Risk over the REST API (SPEC §3d, §7): a case's level with its factors, the four-eyes
override, the `risk_level` filter; every refusal a 4xx JSON error with the reason."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from cases.models import Case
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP
from tests.integration.helpers import open_case
from tests.integration.risk.common import kyb

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules", "risk_model"),
]

CASES = "/api/v1/cases"
WRITE = ("cases.view_case", "cases.change_case")


@pytest.fixture
def member(make_caller):
    def make(group: str | None, *permissions: str, superuser: bool = False):
        caller = make_caller(*permissions, superuser=superuser)
        if group:
            caller.user.groups.add(Group.objects.get_or_create(name=group)[0])
        return caller

    return make


def test_get_risk_shows_level_score_factors_and_model_version(make_caller):
    case = open_case(kyb("api-risky", country="IR", sector="Gambling"))
    url = f"{CASES}/{case.pk}/risk"

    assert make_caller().client.get(url).status_code == 401
    assert make_caller().get(url).status_code == 403
    reader = make_caller("cases.view_case")
    missing = reader.get(f"{CASES}/00000000-0000-0000-0000-000000000000/risk")
    assert missing.status_code == 404 and "detail" in missing.json()

    body = reader.get(url).json()
    assert (body["level"], body["score"], body["model_version"]) == ("HIGH", 60, 1)
    assert body["factors"] == [
        {
            "factor": "country_high",
            "detail": "IR (incorporation, registered address) is on the high list",
            "points": 30,
        },
        {"factor": "sector_high", "detail": "sector 'Gambling' is HIGH", "points": 30},
    ]
    assert body["case_version"] == Case.objects.get(pk=case.pk).version
    assert body["override"] is None and body["overridden"] is None and body["assessed_at"]


def test_the_case_list_filters_on_risk_level(make_caller):
    low = open_case(kyb("api-low"))
    high = open_case(kyb("api-high", country="IR", sector="Gambling"))
    reader = make_caller("cases.view_case")

    items = reader.get(CASES, risk_level="high").json()["items"]
    assert [item["id"] for item in items] == [str(high.pk)]
    assert items[0]["risk_level"] == "HIGH"
    assert [i["id"] for i in reader.get(CASES, risk_level="LOW").json()["items"]] == [str(low.pk)]
    bad = reader.get(CASES, risk_level="EXTREME")
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"].endswith("risk_level")


def test_override_with_four_eyes_over_the_api(member):
    case = open_case(kyb("api-override"))
    url = f"{CASES}/{case.pk}/risk/override"
    ana = member(ANALYST_GROUP, *WRITE)
    lead_root = member(LEAD_GROUP, *WRITE, superuser=True)
    lea = member(LEAD_GROUP, *WRITE)

    no_rationale = ana.post(url, {"level": "HIGH", "rationale": ""})
    assert no_rationale.status_code == 422
    # A well-formed request the case's state refuses is a conflict, not invalid input.
    same = ana.post(url, {"level": "LOW", "rationale": "no change"})
    assert same.status_code == 409 and "already LOW" in same.json()["detail"]
    proposed = lead_root.post(url, {"level": "HIGH", "rationale": "adverse press"})
    assert proposed.status_code == 200, proposed.json()
    assert proposed.json()["override"]["proposed_by"] == lead_root.user.username
    again = ana.post(url, {"level": "MEDIUM", "rationale": "other view"})
    assert again.status_code == 409 and "awaits a lead" in again.json()["detail"]

    own = lead_root.post(f"{url}/approve", {})
    assert own.status_code == 403 and "four eyes" in own.json()["detail"]
    analyst = ana.post(f"{url}/approve", {})
    assert analyst.status_code == 403

    approved = lea.post(f"{url}/approve", {"comment": "agreed"})
    assert approved.status_code == 200
    body = approved.json()
    assert body["level"] == "HIGH" and body["override"] is None
    assert body["overridden"]["approved_by"] == lea.user.username
    assert body["overridden"]["computed_level"] == "LOW"

    nothing = lea.post(f"{url}/return", {"reason": "late"})
    assert nothing.status_code == 409 and "no override" in nothing.json()["detail"]


def test_return_and_a_stale_expected_version(member):
    case = open_case(kyb("api-return"))
    url = f"{CASES}/{case.pk}/risk/override"
    ana = member(ANALYST_GROUP, *WRITE)
    lea = member(LEAD_GROUP, *WRITE)

    stale = ana.post(url, {"level": "MEDIUM", "rationale": "x", "expected_version": 1})
    assert stale.status_code == 409
    assert ana.post(url, {"level": "MEDIUM", "rationale": "unusual flows"}).status_code == 200
    returned = lea.post(f"{url}/return", {"reason": "no evidence"})
    assert returned.status_code == 200
    assert (returned.json()["level"], returned.json()["override"]) == ("LOW", None)
