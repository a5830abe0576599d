"""Claim-next and assignment against the real database (SPEC §3a): concurrent claimers never
share a case, and what a claim records survives a rebuild."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from cases.core.errors import NoCaseAvailable, NotAllowed
from cases.models import Case, StoredEvent
from cases.workflow.commands import AssignCase, ClaimNextCase
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP
from cases.workflow.services import assign_case, claim_next_case
from tests.integration.helpers import make_user, open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules"),
]


def kyc(client_id: str) -> dict:
    return {
        "client_id": client_id,
        "version": "1.0",
        "type": "INDIVIDUAL_STANDARD",
        "traitement_type": "KYC",
        "persons": [{"firstname": "Ada", "lastname": client_id}],
    }


def assignments(case_id: uuid.UUID) -> list[dict]:
    return [
        event.payload
        for event in StoredEvent.objects.filter(aggregate_id=case_id, event_type="CaseAssigned")
    ]


def test_twenty_concurrent_claims_over_ten_cases_give_each_case_to_exactly_one_analyst():
    case_ids = {open_case(kyc(f"race-{n}")).id for n in range(10)}
    names = [f"analyst{n}" for n in range(20)]
    for name in names:
        make_user(name, ANALYST_GROUP)
    start = threading.Barrier(len(names))

    def claim(name: str) -> uuid.UUID | None:
        try:
            start.wait()
            return claim_next_case(ClaimNextCase(name)).id
        except NoCaseAvailable:
            return None
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        results = list(pool.map(claim, names))

    claimed = [case_id for case_id in results if case_id is not None]
    assert sorted(claimed) == sorted(case_ids)  # ten successes, each case once
    assert results.count(None) == 10
    for case_id, name in zip(results, names, strict=True):
        if case_id is None:
            continue
        case = Case.objects.get(pk=case_id)
        assert case.assignee == name
        assert [p["assignee"] for p in assignments(case_id)] == [name]


def test_claim_next_takes_the_oldest_matching_case_and_a_retry_returns_the_same_one():
    make_user("ana", ANALYST_GROUP)
    older, newer = open_case(kyc("old")), open_case(kyc("new"))
    command = ClaimNextCase("ana", traitement_type="kyc", case_type="INDIVIDUAL_STANDARD")

    first = claim_next_case(command)
    again = claim_next_case(command)

    assert first.id == again.id == older.id
    assert (first.assignee, first.assigned_at) == ("ana", again.assigned_at)
    assert len(assignments(older.id)) == 1
    assert claim_next_case(ClaimNextCase("ana")).id == newer.id
    with pytest.raises(NoCaseAvailable, match="no unassigned OPEN or IN_REVIEW case"):
        claim_next_case(ClaimNextCase("ana"))
    with pytest.raises(NoCaseAvailable, match="traitement_type=KYB"):
        claim_next_case(ClaimNextCase("ana", traitement_type="KYB"))


def test_only_analysts_claim_and_only_leads_reassign_someone_elses_case():
    make_user("ana", ANALYST_GROUP)
    make_user("bob", ANALYST_GROUP)
    make_user("lea", LEAD_GROUP)
    make_user("guest")
    case = open_case(kyc("assign"))
    with pytest.raises(NotAllowed):
        claim_next_case(ClaimNextCase("guest"))
    with pytest.raises(NotAllowed):
        claim_next_case(ClaimNextCase("nobody-at-all"))

    assign_case(AssignCase(case.id, "ana", "ana"))
    with pytest.raises(NotAllowed, match="Compliance lead"):
        assign_case(AssignCase(case.id, "bob", "bob"))
    moved = assign_case(AssignCase(case.id, "bob", "lea"))

    assert moved.assignee == "bob"
    assert assignments(case.id)[-1] == {
        "case_id": str(case.id),
        "assignee": "bob",
        "previous": "ana",
        "by": "lea",
    }
    released = assign_case(AssignCase(case.id, None, "bob"))
    assert (released.assignee, released.assigned_at) == (None, None)
