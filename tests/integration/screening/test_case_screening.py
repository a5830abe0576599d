"""Screening on the case side (SPEC §3c), end to end on the real database: intake requests it,
the worker screens against lists loaded through the real loader, hits are resolved with four
eyes, and decisions are held back while they are open."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from django.core.management import call_command

from cases.core import bulk, event_store
from cases.core.errors import DecisionRefused, NotAllowed
from cases.core.rebuild import READ_MODELS, rebuild_read_models
from cases.models import (
    Case,
    DocumentRequirement,
    Notification,
    NotificationRule,
    PartyScreening,
    ScreeningHit,
    ScreeningRequest,
    StoredEvent,
)
from cases.screening import services
from cases.screening.commands import ApproveHitMatch, ResolveHit, ReturnHitMatch
from cases.screening.worker import run_once
from cases.workflow.commands import AssignCase, ChangeCaseStatus, ProposeDecision
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP
from cases.workflow.services import assign_case, change_case_status, propose_decision
from tests.integration.helpers import decide, make_user, open_case, settle_documents
from tests.integration.screening.conftest import entity

seed_screening_hit_rule = importlib.import_module(
    "cases.migrations.0019_seed_screening_hit_rule"
).seed

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules"),
]

IVAN = {"firstname": "Ivan", "lastname": "Petrov", "birthdate": "1970-01-01"}
KYC = {
    "client_id": "screened-kyc",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [IVAN],
}
KYB = {
    "client_id": "screened-kyb",
    "version": "1.0",
    "type": "CORPORATE_STANDARD",
    "traitement_type": "KYB",
    "company_profile": {
        "registered_name": "Blue Harbour Trading Ltd",
        "registration_number": "BH-1001",
        "country_of_incorporation": "GB",
        "registered_address": {"country": "GB"},
    },
    "persons": [{"firstname": "Clara", "lastname": "Whitfield", "birthdate": "1980-02-02"}],
    "beneficial_owners": [
        {
            "person_details": {
                "firstname": "Marta",
                "lastname": "Kowalczyk",
                "birthdate": "1965-07-09",
            },
            "ownership_percentage": 60,
            "types_of_control": ["SHARES"],
            "is_ubo": True,
        }
    ],
}


def ivan_on_list(topics: str = "sanction", **extra):
    return entity("ivan-1", name="Ivan Petrov", birthDate="1970-01-01", topics=topics, **extra)


@pytest.fixture
def team() -> None:
    resolve = Permission.objects.get(codename="resolve_screeninghit")
    for name, group in (("ana", ANALYST_GROUP), ("bob", ANALYST_GROUP)):
        make_user(name, group).user_permissions.add(resolve)
    for name in ("lea", "leo"):
        make_user(name, LEAD_GROUP).user_permissions.add(resolve)
    make_user("eve")  # in no group: may not resolve hits


def screened_case(payload: dict) -> Case:
    case = open_case(payload)
    assert run_once()["screened"] == 1
    return Case.objects.get(pk=case.id)


def resolve(hit_id, resolution: str, actor: str = "ana") -> ScreeningHit:
    return services.resolve_hit(ResolveHit(hit_id, resolution, "checked the record", actor))


def in_review(case_id, assignee: str = "ana") -> None:
    change_case_status(ChangeCaseStatus(case_id, "IN_REVIEW", f"USER:{assignee}"))
    assign_case(AssignCase(case_id, assignee, f"USER:{assignee}"))
    settle_documents(case_id)


def snapshot() -> dict[str, list[dict]]:
    return {
        model.__name__: sorted(bulk.collection(model).find(), key=lambda doc: str(doc["_id"]))
        for model in READ_MODELS
    }


@pytest.mark.usefixtures("team")
def test_intake_to_hit_a_false_positive_is_whitelisted_until_the_entity_changes(load_list):
    first = load_list("watch", [ivan_on_list()], name="v1")
    case = open_case(KYC)
    [request] = ScreeningRequest.objects.filter(case_id=case.id)
    assert (case.screening_pending, request.status, request.reason) == (
        1,
        "PENDING",
        "CASE_CREATED",
    )

    out = io.StringIO()
    call_command("run_screening", "--once", stdout=out)  # the worker, one pass
    assert out.getvalue().strip() == "screened=1"
    case.refresh_from_db()
    assert (case.screening_pending, case.open_hits) == (0, 1)
    [hit] = ScreeningHit.objects.filter(case_id=case.id)
    assert (hit.entity_id, hit.status, hit.topics) == ("ivan-1", "OPEN", ["sanction"])
    assert hit.list_version == first.version.version and hit.score >= 0.7 and hit.features
    [latest] = PartyScreening.objects.filter(case_id=case.id)
    assert (latest.dataset, latest.list_version, latest.algorithm, latest.hit_count) == (
        "watch",
        first.version.version,
        hit.algorithm,
        1,
    )

    stored = StoredEvent.objects.count()
    assert services.process_request(request.id) == "replayed"  # a re-run appends nothing
    assert StoredEvent.objects.count() == stored

    with pytest.raises(NotAllowed, match="resolve_screeninghit"):
        resolve(hit.id, "FALSE_POSITIVE", actor="eve")
    cleared = resolve(hit.id, "FALSE_POSITIVE")
    assert (cleared.status, cleared.resolution["by"]) == ("FALSE_POSITIVE", "ana")
    assert Case.objects.get(pk=case.id).open_hits == 0

    services.rescreen_case(case.id, "ana")
    assert run_once() == {"screened": 1}
    last = StoredEvent.objects.filter(aggregate_id=case.id).order_by("-version").first()
    assert last.event_type == "ScreeningCompleted" and last.payload["opened"] == []
    assert [s["entity_id"] for s in last.payload["suppressed"]] == ["ivan-1"]
    assert ScreeningHit.objects.get(pk=hit.id).status == "FALSE_POSITIVE"

    # The entity changes in a new list version: the new version's delta re-raises it.
    load_list("watch", [ivan_on_list(nationality="ru")], name="v2")
    [delta] = ScreeningRequest.objects.filter(case_id=case.id, reason="LIST_UPDATED")
    assert delta.delta_dataset == "watch"
    assert run_once() == {"screened": 1}
    assert ScreeningHit.objects.get(pk=hit.id).status == "OPEN"
    assert Case.objects.get(pk=case.id).open_hits == 1


@pytest.mark.usefixtures("team")
def test_a_true_match_needs_a_second_lead_and_a_sanction_allows_only_rejection(load_list):
    load_list("watch", [ivan_on_list()])
    case = screened_case(KYC)
    in_review(case.id)
    [hit] = ScreeningHit.objects.filter(case_id=case.id)

    with pytest.raises(DecisionRefused) as refused:
        propose_decision(ProposeDecision(case.id, "APPROVED", "all good", "ana"))
    assert "screening hit" in str(refused.value) and f"hit {hit.id}: ivan-1" in str(refused.value)

    proposed = resolve(hit.id, "TRUE_MATCH", actor="lea")
    assert (proposed.status, proposed.resolution["approval_group"]) == (
        "MATCH_PROPOSED",
        LEAD_GROUP,
    )
    with pytest.raises(NotAllowed, match="four eyes"):
        services.approve_hit_match(ApproveHitMatch(hit.id, "lea"))
    with pytest.raises(NotAllowed, match=LEAD_GROUP):
        services.approve_hit_match(ApproveHitMatch(hit.id, "bob"))
    returned = services.return_hit_match(ReturnHitMatch(hit.id, "check the birth date", "leo"))
    assert returned.status == "OPEN"
    resolve(hit.id, "TRUE_MATCH", actor="lea")
    confirmed = services.approve_hit_match(ApproveHitMatch(hit.id, "leo", comment="agreed"))
    assert (confirmed.status, confirmed.resolution["approved_by"]) == ("TRUE_MATCH", "leo")
    assert Case.objects.get(pk=case.id).confirmed_hit_topics == ["sanction"]

    with pytest.raises(DecisionRefused, match="only REJECTED") as refused:
        propose_decision(ProposeDecision(case.id, "APPROVED", "all good", "ana"))
    assert any(item.startswith(f"hit {hit.id}: ivan-1") for item in refused.value.outstanding)
    rejected = propose_decision(ProposeDecision(case.id, "REJECTED", "sanctioned", "ana"))
    assert rejected.pending_decision["decision"] == "REJECTED"


@pytest.mark.usefixtures("team")
def test_a_confirmed_pep_raises_the_case_to_edd_with_lead_approval(load_list):
    owner = entity("marta-1", name="Marta Kowalczyk", birthDate="1965-07-09", topics="role.pep")
    load_list("peps", [owner])
    case = screened_case(KYB)
    [hit] = ScreeningHit.objects.filter(case_id=case.id)
    assert (hit.party_type, hit.topics) == ("OWNER", ["role.pep"])

    resolve(hit.id, "TRUE_MATCH", actor="lea")
    services.approve_hit_match(ApproveHitMatch(hit.id, "leo"))

    case.refresh_from_db()
    assert case.case_type == "ENHANCED_DUE_DILIGENCE" and case.open_hits == 0
    owed = DocumentRequirement.objects.filter(case_id=case.id, entity_id=case.company_id)
    assert "FINANCIAL_STATEMENTS_AUDITED" in set(owed.values_list("document_type", flat=True))
    in_review(case.id)
    pending = propose_decision(ProposeDecision(case.id, "APPROVED", "PEP accepted", "ana"))
    assert pending.approval_group == LEAD_GROUP


@pytest.mark.usefixtures("team")
def test_a_new_list_version_raises_a_hit_on_an_approved_clients_owner_and_notifies(load_list):
    load_list("watch", [ivan_on_list()], name="v1")
    case = screened_case(KYB)
    assert not ScreeningHit.objects.filter(case_id=case.id).exists()
    assert decide(case.id, "APPROVED", "ana", "bob").status == "APPROVED"
    seed_screening_hit_rule(django_apps, None)  # the migration's seed (the test flush drops it)
    [rule] = NotificationRule.objects.filter(trigger="SCREENING_HIT")
    assert not rule.is_active  # off by default; a lead switches it on
    NotificationRule.objects.filter(pk=rule.pk).update(is_active=True)

    marta = entity("marta-1", name="Marta Kowalczyk", birthDate="1965-07-09", topics="sanction")
    load_list("watch", [ivan_on_list(), marta], name="v2")
    [request] = ScreeningRequest.objects.filter(case_id=case.id, reason="LIST_UPDATED")
    assert run_once() == {"screened": 1}

    [hit] = ScreeningHit.objects.filter(case_id=case.id)
    assert (hit.entity_id, hit.party_type, hit.status) == ("marta-1", "OWNER", "OPEN")
    screenings = PartyScreening.objects.filter(case_id=case.id, party_type="OWNER")
    assert [s.scope for s in screenings] == ["delta"]
    notices = [n.envelope["payload"] for n in Notification.objects.filter(case_id=case.id)]
    assert [n["trigger"] for n in notices if n["trigger"] == "SCREENING_HIT"] == ["SCREENING_HIT"]
    assert Case.objects.get(pk=case.id).open_hits == 1
    # The same list version announced again appends no second request.
    assert services.request_list_rescreen("watch", request.delta_version) == 0


@pytest.mark.usefixtures("team")
def test_rebuild_gives_the_same_screening_read_models(load_list):
    load_list(
        "watch",
        [
            ivan_on_list(),
            entity("marta-1", name="Marta Kowalczyk", birthDate="1965-07-09", topics="role.pep"),
        ],
    )
    kyc, kyb = screened_case(KYC), screened_case(KYB)
    [ivan] = ScreeningHit.objects.filter(case_id=kyc.id)
    [marta] = ScreeningHit.objects.filter(case_id=kyb.id)
    resolve(ivan.id, "FALSE_POSITIVE")
    resolve(marta.id, "TRUE_MATCH", actor="lea")
    services.approve_hit_match(ApproveHitMatch(marta.id, "leo"))
    services.rescreen_case(kyc.id, "ana")
    run_once()

    live = snapshot()
    rebuild_read_models()
    assert snapshot() == live
    assert live["ScreeningHit"] and live["PartyScreening"] and live["ScreeningRequest"]


@pytest.mark.usefixtures("team")
def test_a_list_fan_out_run_again_after_the_case_moved_changes_nothing(load_list):
    loaded = load_list("watch", [ivan_on_list()])  # no case yet: nothing requested
    case = open_case(KYC)
    label = loaded.version.version
    assert services.request_list_rescreen("watch", label) == 1
    change_case_status(ChangeCaseStatus(case.id, "IN_REVIEW", "USER:ana"))  # the case moves on

    assert services.request_list_rescreen("watch", label) == 0
    case.refresh_from_db()
    assert case.version == event_store.current_version(case.id)  # not the re-decided version
    assert case.screening_pending == 2  # the creation's request and the list's, once


@pytest.mark.usefixtures("team")
def test_a_failing_request_stays_pending_and_is_passed_over_while_it_rests(load_list):
    load_list("watch", [ivan_on_list()])
    case = open_case(KYC)
    services.request_list_rescreen("gone", "v9")  # a list version the screening app lacks
    broken = ScreeningRequest.objects.get(case_id=case.id, delta_dataset="gone")

    failed: list = []
    assert run_once(failed=failed) == {"screened": 1, "failed": 1}
    assert failed == [broken.id]
    assert ScreeningRequest.objects.get(pk=broken.id).status == "PENDING"
    assert run_once(skip=failed) == {}


@pytest.mark.usefixtures("team")
def test_a_backfill_requests_every_monitored_case_once(load_list):
    load_list("watch", [ivan_on_list()])
    open_case(KYC)
    closed = open_case({**KYC, "client_id": "closed-client"})
    change_case_status(ChangeCaseStatus(closed.id, "CLOSED", "USER:ana"))

    out = io.StringIO()
    call_command("run_screening", "--backfill", "--once", stdout=out)
    assert out.getvalue().splitlines() == [
        "backfill: 1 request(s) added",  # the open case; a closed one is not monitored
        "cancelled=1, screened=2",  # its creation request and the backfill; the closed case's
    ]
    assert services.request_backfill() == 0  # once per case, ever
