"""Re-rating when an input changes (SPEC §3d): a model edit is a new version and
`reassess_risk` re-rates (once), a client update and a screening resolution re-rate."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from cases.core.errors import InvalidCommand
from cases.models import Case, Client, RiskModel, ScreeningHit, StoredEvent
from cases.risk.services import reassess
from cases.risk.versions import current_model, save_new_version
from cases.screening import services as screening
from cases.screening.commands import ApproveHitMatch, ResolveHit
from cases.screening.worker import run_once
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP
from tests.integration.helpers import make_user, open_case
from tests.integration.risk.common import ingest, kyb, risk_events
from tests.integration.screening.conftest import entity

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules", "risk_model"),
]


def test_a_model_edit_is_a_new_version_and_reassess_rerates_once():
    low, other = (
        open_case(kyb("pa-client", country="PA")),
        open_case(kyb("fr-client", country="FR")),
    )
    assert (low.risk_level, low.risk_score) == ("LOW", 10)  # PA is on the medium list
    first = RiskModel.objects.get(version=1)

    edited = save_new_version({"factors": {**first.factors, "country_medium": 25}}, by="lea")
    assert (edited.version, edited.is_current, edited.created_by) == (2, True, "lea")
    first.refresh_from_db()
    assert first.is_current is False and first.factors["country_medium"] == 10  # kept as it was
    assert current_model().version == 2
    with pytest.raises(InvalidCommand, match="thresholds must rise"):
        save_new_version({"thresholds": {"MEDIUM": 70, "HIGH": 60}}, by="lea")
    assert RiskModel.objects.count() == 2

    out = io.StringIO()
    call_command("reassess_risk", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "reassessed 2 client(s); 2 case rating(s) changed"

    low.refresh_from_db()
    assert (low.risk_level, low.risk_score, low.risk_model_version) == ("MEDIUM", 25, 2)
    rerated = risk_events(low.id)
    assert [e.event_type for e in rerated] == ["RiskAssessed", "RiskAssessed", "RiskLevelChanged"]
    assert rerated[1].payload["reason"] == "REASSESSMENT"
    assert Case.objects.get(pk=other.id).risk_model_version == 2  # same level, new version
    assert Client.objects.get(client_id="pa-client").risk_level == "MEDIUM"

    stored = StoredEvent.objects.count()
    assert reassess() == (2, 0)  # idempotent: nothing changed, nothing appended
    assert StoredEvent.objects.count() == stored


def test_a_client_update_rerates_its_open_case():
    case_id = ingest(kyb("moving"))
    assert Case.objects.get(pk=case_id).risk_level == "LOW"

    assert ingest(kyb("moving", country="IR", sector="Gambling")) == case_id

    case = Case.objects.get(pk=case_id)
    assert (case.risk_level, case.risk_score) == ("HIGH", 60)
    assert case.case_type == "ENHANCED_DUE_DILIGENCE"
    last = [e for e in risk_events(case_id) if e.event_type == "RiskAssessed"][-1]
    assert last.payload["reason"] == "CLIENT_UPDATE"
    changed = risk_events(case_id)[-1].payload
    assert (changed["old"], changed["new"], changed["reason"]) == ("LOW", "HIGH", "CLIENT_UPDATE")


def test_a_confirmed_sanctions_match_rerates_the_case_prohibited(load_list):
    resolve = Permission.objects.get(codename="resolve_screeninghit")
    make_user("lea", LEAD_GROUP).user_permissions.add(resolve)
    make_user("leo", LEAD_GROUP).user_permissions.add(resolve)
    make_user("ana", ANALYST_GROUP).user_permissions.add(resolve)
    owner = entity("marta-1", name="Marta Kowalczyk", topics="sanction")
    load_list("watch", [owner])
    case = open_case(kyb("sanctioned"))
    assert run_once()["screened"] == 1
    [hit] = ScreeningHit.objects.filter(case_id=case.id)

    screening.resolve_hit(ResolveHit(hit.id, "TRUE_MATCH", "same person", "lea"))
    assert Case.objects.get(pk=case.id).risk_level == "LOW"  # proposed only: no input changed
    screening.approve_hit_match(ApproveHitMatch(hit.id, "leo"))

    case.refresh_from_db()
    assert (case.risk_level, case.risk_score) == ("PROHIBITED", 100)
    assert [f["factor"] for f in case.risk_factors] == ["screening_sanction"]
    assessed = [e for e in risk_events(case.id) if e.event_type == "RiskAssessed"]
    assert assessed[-1].payload["reason"] == "SCREENING_RESOLVED"
