"""The rating as events on the real database (SPEC §3d): at creation inside CreateCase, HIGH
raises the case to EDD for a lead's approval, PROHIBITED allows only REJECTED, and a rebuild
gives the same read models."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cases.core.errors import DecisionRefused
from cases.models import Case, Client, DocumentRequirement, StoredEvent
from cases.workflow.commands import ApproveDecision, ProposeDecision
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP
from cases.workflow.services import approve_decision, propose_decision
from tests.integration.helpers import make_user, open_case
from tests.integration.risk.common import event_types, in_review, kyb, risk_events, snapshot

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules", "risk_model"),
]


@pytest.fixture
def team() -> None:
    make_user("ana", ANALYST_GROUP)
    make_user("bob", ANALYST_GROUP)
    make_user("lea", LEAD_GROUP)


def test_a_plain_case_is_rated_low_at_creation_with_the_model_version():
    case = open_case(kyb("plain"))

    [assessed] = risk_events(case.id)
    assert assessed.event_type == "RiskAssessed"
    assert assessed.payload["reason"] == "CASE_CREATED"
    assert (assessed.payload["level"], assessed.payload["score"]) == ("LOW", 0)
    assert (case.risk_level, case.risk_score, case.risk_factors) == ("LOW", 0, [])
    assert (case.risk_model_version, case.case_type) == (1, "COMPANY_STANDARD")
    assert case.risk_assessed_at == assessed.occurred_at
    # Rated inside CreateCase: before the screening request, in the same command.
    types = event_types(case.id)
    assert types.index("RiskAssessed") < types.index("ScreeningRequested")
    client = Client.objects.get(client_id="plain")
    assert client.risk_level == "LOW"
    assert [(h["old"], h["new"], h["reason"]) for h in client.risk_history] == [
        (None, "LOW", "CASE_CREATED")
    ]


@pytest.mark.usefixtures("team")
def test_high_raises_the_case_to_edd_with_its_documents_and_a_lead_approves():
    case = open_case(kyb("risky", country="IR", sector="Gambling"))

    assert (case.risk_level, case.risk_score) == ("HIGH", 60)
    assert [f["factor"] for f in case.risk_factors] == ["country_high", "sector_high"]
    assert case.risk_factors[0]["detail"] == (
        "IR (incorporation, registered address) is on the high list"
    )
    assert case.case_type == "ENHANCED_DUE_DILIGENCE"
    assert case.upstream_case_type == "COMPANY_STANDARD"
    raised = StoredEvent.objects.get(
        aggregate_id=case.id, event_type="CaseRaisedToEnhancedDueDiligence"
    )
    assert raised.payload["reason"] == "risk level HIGH" and raised.payload["hit_id"] is None
    owed = DocumentRequirement.objects.filter(case_id=case.id, entity_id=case.company_id)
    assert "FINANCIAL_STATEMENTS_AUDITED" in set(owed.values_list("document_type", flat=True))

    in_review(case.id)
    pending = propose_decision(ProposeDecision(case.id, "APPROVED", "EDD done", "ana"))
    assert pending.approval_group == LEAD_GROUP
    with pytest.raises(Exception, match="Compliance lead"):
        approve_decision(ApproveDecision(case.id, "bob"))
    assert approve_decision(ApproveDecision(case.id, "lea")).status == "APPROVED"


@pytest.mark.usefixtures("team")
def test_prohibited_allows_only_rejected():
    case = open_case(kyb("banned", country="KP"))
    assert (case.risk_level, case.risk_score) == ("PROHIBITED", 100)

    in_review(case.id)
    version = Case.objects.get(pk=case.id).version
    with pytest.raises(DecisionRefused) as refused:
        propose_decision(ProposeDecision(case.id, "APPROVED", "looks fine", "ana"))
    assert "PROHIBITED risk level allows only REJECTED" in str(refused.value)
    assert refused.value.kind == "risk"
    assert Case.objects.get(pk=case.id).version == version  # nothing appended

    rejected = propose_decision(ProposeDecision(case.id, "REJECTED", "prohibited country", "ana"))
    assert rejected.pending_decision["decision"] == "REJECTED"
    assert approve_decision(ApproveDecision(case.id, "lea")).status == "REJECTED"


def test_rebuild_gives_the_same_case_and_client_risk_read_models():
    open_case(kyb("one"))
    open_case(kyb("two", country="IR", sector="Gambling"))
    open_case(kyb("three", country="KP"))
    live = snapshot()
    assert {doc["risk_level"] for doc in live["Case"]} == {"LOW", "HIGH", "PROHIBITED"}
    assert all(doc["risk_history"] for doc in live["Client"])

    call_command("rebuild_projections", stdout=io.StringIO(), stderr=io.StringIO())

    assert snapshot() == live
