"""The four-eyes risk override (SPEC §3d): an analyst proposes with a rationale, a lead who is
not the proposer approves or returns it; superusers get no exception."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cases.core.errors import InvalidCommand, NotAllowed, RiskOverrideConflict
from cases.models import Case, Client
from cases.risk.commands import ApproveRiskOverride, ProposeRiskOverride, ReturnRiskOverride
from cases.risk.services import approve_override, propose_override, return_override
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP
from tests.integration.helpers import make_user, open_case
from tests.integration.risk.common import kyb, risk_events, snapshot

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules", "risk_model"),
]


@pytest.fixture(autouse=True)
def team() -> None:
    make_user("ana", ANALYST_GROUP)
    make_user("bob", ANALYST_GROUP)
    make_user("lea", LEAD_GROUP)
    make_user("root", LEAD_GROUP, superuser=True)


def propose(case_id, level="HIGH", actor="ana", rationale="adverse press in local media"):
    return propose_override(ProposeRiskOverride(case_id, level, rationale, actor))


def test_an_approved_override_sets_the_level_records_both_people_and_raises_to_edd():
    case = open_case(kyb("override"))
    assert case.risk_level == "LOW"

    proposed = propose(case.id)
    assert proposed.risk_override["level"] == "HIGH"
    assert proposed.risk_override["proposed_by"] == "ana"
    assert proposed.risk_level == "LOW"  # nothing changes before a lead approves

    with pytest.raises(NotAllowed, match="four eyes"):
        approve_override(ApproveRiskOverride(case.id, "ana"))
    with pytest.raises(NotAllowed, match="Compliance lead"):
        approve_override(ApproveRiskOverride(case.id, "bob"))

    approved = approve_override(ApproveRiskOverride(case.id, "lea"))
    assert approved.risk_level == "HIGH" and approved.risk_override is None
    assert approved.risk_overridden == {
        "level": "HIGH",
        "rationale": "adverse press in local media",
        "proposed_by": "ana",
        "approved_by": "lea",
        "computed_level": "LOW",
    }
    assert approved.case_type == "ENHANCED_DUE_DILIGENCE"
    assert [e.event_type for e in risk_events(case.id)] == [
        "RiskAssessed",
        "RiskOverrideProposed",
        "RiskOverrideApproved",
        "RiskLevelChanged",
    ]
    changed = risk_events(case.id)[-1].payload
    assert (changed["old"], changed["new"]) == ("LOW", "HIGH")
    client = Client.objects.get(client_id="override")
    assert client.risk_level == "HIGH"
    assert [(h["old"], h["new"]) for h in client.risk_history] == [(None, "LOW"), ("LOW", "HIGH")]
    assert client.risk_history[-1]["reason"].startswith("override approved by lea")

    live = snapshot()
    call_command("rebuild_projections", stdout=io.StringIO(), stderr=io.StringIO())
    assert snapshot() == live


def test_a_superuser_cannot_approve_their_own_override():
    case = open_case(kyb("root-override"))
    propose(case.id, level="MEDIUM", actor="root")
    with pytest.raises(NotAllowed, match="four eyes"):
        approve_override(ApproveRiskOverride(case.id, "root"))
    assert approve_override(ApproveRiskOverride(case.id, "lea")).risk_level == "MEDIUM"


def test_a_returned_override_leaves_the_level_and_can_be_proposed_again():
    case = open_case(kyb("returned"))
    propose(case.id)
    with pytest.raises(RiskOverrideConflict, match="awaits a lead"):
        propose(case.id, level="MEDIUM", actor="bob")
    with pytest.raises(InvalidCommand, match="reason"):
        return_override(ReturnRiskOverride(case.id, "  ", "lea"))

    returned = return_override(ReturnRiskOverride(case.id, "no evidence attached", "lea"))
    assert (returned.risk_level, returned.risk_override) == ("LOW", None)
    assert risk_events(case.id)[-1].payload["reason"] == "no evidence attached"
    with pytest.raises(RiskOverrideConflict, match="no override"):
        approve_override(ApproveRiskOverride(case.id, "lea"))
    assert propose(case.id, level="MEDIUM").risk_override["level"] == "MEDIUM"


def test_bad_proposals_are_refused_with_a_reason_and_append_nothing():
    case = open_case(kyb("refused"))
    banned = open_case(kyb("refused-kp", country="KP"))
    version = Case.objects.get(pk=case.id).version
    with pytest.raises(InvalidCommand, match="rationale"):
        propose(case.id, rationale=" ")
    with pytest.raises(InvalidCommand, match="one of LOW, MEDIUM, HIGH, PROHIBITED"):
        propose(case.id, level="EXTREME")
    with pytest.raises(RiskOverrideConflict, match="already LOW"):
        propose(case.id, level="LOW")
    with pytest.raises(RiskOverrideConflict, match="PROHIBITED rating cannot be overridden"):
        propose(banned.id, level="HIGH")
    make_user("eve")
    with pytest.raises(NotAllowed, match="not an analyst"):
        propose(case.id, actor="eve")
    assert Case.objects.get(pk=case.id).version == version
