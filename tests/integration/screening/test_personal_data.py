"""No personal data leaves through the side channels while screening (issue #25, SPEC §8).

A tiny fictional FtM list whose entities nearly match a case's parties goes through the real
loader, the real worker screens the case, a hit is resolved (and refused) over the API and a
second list version triggers a delta re-screen; all of it with every logger at DEBUG and the
in-memory span exporter. The parties' and the list entities' names, birth dates and
identifiers may appear in no log line, span or API error body (the hits in 200 bodies may).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from cases.models import ScreeningHit, ScreeningRequest
from cases.workflow.commands import AssignCase, ChangeCaseStatus
from cases.workflow.rules import ANALYST_GROUP
from cases.workflow.services import assign_case, change_case_status
from tests.integration.helpers import open_case, settle_documents
from tests.integration.screening.conftest import entity, write_list
from tests.integration.test_personal_data import leaks, personal_values, span_text

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules"),
]

HITS = "/api/v1/screening/hits"
READ = ("cases.view_case", "cases.view_screeninghit")
KYB = {
    "client_id": "pii-screened-kyb",
    "version": "1.0",
    "type": "CORPORATE_STANDARD",
    "traitement_type": "KYB",
    "company_profile": {
        "registered_name": "Quillmere Shipping Holdings Ltd",
        "registration_number": "QSH-770412",
        "country_of_incorporation": "GB",
        "registered_address": {"country": "GB"},
    },
    "persons": [{"firstname": "Oskar", "lastname": "Brandvold", "birthdate": "1968-03-14"}],
}
#: Near matches of the parties above: another spelling, an alias, the same dates and numbers.
LISTED = [
    entity(
        "pii-person-1",
        name=["Oskar Brandvoldt", "Оскар Брандволд"],
        birthDate="1968-03-14",
        passportNumber="XK4471902",
        topics="sanction",
    ),
    entity(
        "pii-company-1",
        "Company",
        name="Quillmere Shipping Holdings Limited",
        registrationNumber="QSH-770412",
        topics="sanction",
    ),
]


def list_values() -> set[str]:
    return set().union(*(personal_values(item["properties"]) for item in LISTED))


def in_review(case_id, analyst: str) -> None:
    """The case assigned to the analyst with its documents settled: only the hits block it."""
    change_case_status(ChangeCaseStatus(case_id, "IN_REVIEW", f"USER:{analyst}"))
    assign_case(AssignCase(case_id, analyst, f"USER:{analyst}"))
    settle_documents(case_id)


def load(tmp_path, name: str, entities: list[dict]) -> None:
    """Through the management command, as operators load a list (its output is checked too)."""
    path = write_list(tmp_path / f"{name}.ftm.json", entities)
    call_command("load_watchlist", dataset="pii_watch", file=str(path))


def test_loading_screening_resolving_and_a_delta_rescreen_never_log_or_trace_a_name(
    spans,
    debug_logs,
    make_caller,
    tmp_path,
):
    secrets = personal_values(KYB) | list_values()
    assert {"Brandvold", "1968-03-14", "QSH-770412", "Оскар Брандволд", "XK4471902"} <= secrets

    load(tmp_path, "v1", LISTED)
    case = open_case(KYB)
    call_command("run_screening", "--once")
    hits = {hit.entity_id: hit for hit in ScreeningHit.objects.filter(case_id=case.id)}
    assert set(hits) == {"pii-person-1", "pii-company-1"}
    person_hit = hits["pii-person-1"]

    analyst = make_caller(*READ, "cases.change_case", "cases.resolve_screeninghit")
    analyst.user.groups.add(Group.objects.get_or_create(name=ANALYST_GROUP)[0])
    in_review(case.id, analyst.user.username)
    proposal = {"decision": "APPROVED", "rationale": "documents verified"}
    blocked = analyst.post(f"/api/v1/cases/{case.id}/decision", proposal)
    url = f"{HITS}/{person_hit.id}/resolve"
    body = {"resolution": "FALSE_POSITIVE", "rationale": "another person"}
    forbidden = make_caller(*READ).post(url, body)
    stale = analyst.post(url, {**body, "expected_version": 1})
    resolved = analyst.post(url, body)
    again = analyst.post(url, body)
    assert (forbidden.status_code, stale.status_code, resolved.status_code) == (403, 409, 200)
    assert (again.status_code, blocked.status_code) == (409, 409)
    assert blocked.json()["errors"][0]["loc"] == "screening_hits"  # names the hits, by id
    assert resolved.json()["status"] == "FALSE_POSITIVE"

    changed = [{**LISTED[0], "properties": {**LISTED[0]["properties"], "country": ["no"]}}]
    load(tmp_path, "v2", changed + LISTED[1:])
    assert ScreeningRequest.objects.filter(case_id=case.id, reason="LIST_UPDATED").exists()
    call_command("run_screening", "--once")
    assert ScreeningHit.objects.get(pk=person_hit.id).status == "OPEN"  # the entity changed

    finished = spans.get_finished_spans()
    assert finished and debug_logs.getvalue()
    errors = "\n".join(r.content.decode() for r in (forbidden, stale, again, blocked))
    assert not leaks(secrets, errors), "API error bodies"
    assert not leaks(secrets, span_text(finished)), "span names, attributes, events, links"
    assert not leaks(secrets, debug_logs.getvalue()), "log lines"
