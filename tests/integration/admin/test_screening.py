"""Screening in the back office (SPEC §3c, §8): the case page's Screening panel per party, hits
resolved with four eyes from it, the "Unresolved hits" queue and the dashboard figures. Lists
are tiny FtM files loaded through the real loader and screened by the real worker."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases.admin.groups import ANALYST, LEAD, ensure_back_office_user
from cases.models import Case, ScreeningHit
from cases.screening.worker import run_once
from tests.integration.helpers import open_case
from tests.integration.screening.conftest import entity
from tests.integration.screening.test_case_screening import KYB as SCREENED_KYB

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules"),
]

# Their company and owner (Marta, a PEP on the list below), with Ivan (sanctioned) as director.
KYB = {
    **SCREENED_KYB,
    "client_id": "kyb-screened",
    "persons": [{"firstname": "Ivan", "lastname": "Petrov", "birthdate": "1970-01-01"}],
}
IVAN = entity("ivan-1", name="Ivan Petrov", birthDate="1970-01-01", country="ru", topics="sanction")
MARTA = entity("marta-1", name="Marta Kowalczyk", birthDate="1965-07-09", topics="role.pep")


def _client(username: str, group: str) -> Client:
    user, _ = ensure_back_office_user(username, f"{username}-pass-1", group)
    client = Client()
    client.force_login(user)
    return client


def _page(client: Client, case) -> str:
    response = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _row(html: str, hit: ScreeningHit) -> str:
    return re.search(rf'<tr id="hit-{hit.pk}".*?</tr>', html, re.S).group(0)


def _hidden(block: str, form_class: str) -> dict[str, str]:
    form = re.search(rf'<form[^>]*class="[^"]*{form_class}[^"]*".*?</form>', block, re.S).group(0)
    return dict(re.findall(r'type="hidden" name="([\w-]+)" value="([^"]*)"', form))


def _act(client: Client, case, hit, action: str, form_class: str, html: str, **fields) -> str:
    prefix = f"hit-{hit.pk}"
    data = {**_hidden(_row(html, hit), form_class)}
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    response = client.post(
        reverse(f"admin:cases_case_hit_{action}", args=[case.pk, hit.pk]), data, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def screened(load_list):
    """A KYB case whose director and owner are on the list, screened by the worker."""
    load_list("watch", [IVAN, MARTA])
    case = open_case(KYB)
    return case


def test_the_case_page_says_screening_pending_until_the_worker_ran(screened, analyst_client):
    html = _page(analyst_client, screened)
    assert 'id="screening-pending"' in html and "screening pending" in html
    assert "Not screened yet." not in html  # pending parties say pending, not "not screened"

    run_once()
    html = _page(analyst_client, screened)
    assert 'id="screening-pending"' not in html
    assert "2 unresolved hits" in html


def test_the_panel_shows_per_party_the_list_version_and_each_hit_with_its_features(
    screened, analyst_client
):
    run_once()
    html = _page(analyst_client, screened)
    ivan = ScreeningHit.objects.get(case_id=screened.pk, entity_id="ivan-1")
    row = _row(html, ivan)
    assert "Ivan Petrov" in row and "1970-01-01" in row and "RU" in row
    assert "sanction" in row and f"{ivan.score:.2f}" in row
    assert all(name in row for name in ivan.features)
    assert ivan.list_version in row and "watch" in row
    assert "False positive" in row and "True match" in row
    company = re.search(r'data-party-type="COMPANY".*?</div>', html, re.S).group(0)
    assert "Blue Harbour Trading Ltd" in company and "No hits." in company
    assert f"watch {ivan.list_version}" in company  # which list version was checked


def test_a_false_positive_from_the_panel_and_a_second_resolution_is_refused_with_the_reason(
    screened, analyst_client
):
    run_once()
    hit = ScreeningHit.objects.get(case_id=screened.pk, entity_id="ivan-1")
    html = _page(analyst_client, screened)

    no_reason = _act(
        analyst_client,
        screened,
        hit,
        "resolve",
        "casemgmt-resolve-form",
        html,
        resolution="FALSE_POSITIVE",
        rationale="",
    )
    assert "This field is required" in no_reason
    assert ScreeningHit.objects.get(pk=hit.pk).status == "OPEN"

    html = _page(analyst_client, screened)
    done = _act(
        analyst_client,
        screened,
        hit,
        "resolve",
        "casemgmt-resolve-form",
        html,
        resolution="FALSE_POSITIVE",
        rationale="born elsewhere",
    )
    assert "Hit cleared as a false positive" in done
    resolved = ScreeningHit.objects.get(pk=hit.pk)
    assert (resolved.status, resolved.resolution["by"]) == ("FALSE_POSITIVE", "ann-analyst")
    assert 'data-hit-status="FALSE_POSITIVE"' in done and "born elsewhere" in done

    # The page drawn before the resolution, submitted again with a fresh request id.
    stale = _hidden(_row(html, hit), "casemgmt-resolve-form")
    stale = {key: value for key, value in stale.items() if not key.endswith("request_id")}
    stale.update(
        {
            f"hit-{hit.pk}-request_id": "another",
            f"hit-{hit.pk}-resolution": "TRUE_MATCH",
            f"hit-{hit.pk}-rationale": "hm",
        }
    )
    again = analyst_client.post(
        reverse("admin:cases_case_hit_resolve", args=[screened.pk, hit.pk]), stale, follow=True
    ).content.decode()
    assert "Changed by someone else" in again  # the case moved on since that page
    assert ScreeningHit.objects.get(pk=hit.pk).status == "FALSE_POSITIVE"


def test_a_true_match_proposed_by_an_analyst_is_approved_by_a_lead_with_four_eyes(
    screened, analyst_client, lead_client
):
    run_once()
    hit = ScreeningHit.objects.get(case_id=screened.pk, entity_id="ivan-1")
    html = _page(analyst_client, screened)
    proposed = _act(
        analyst_client,
        screened,
        hit,
        "resolve",
        "casemgmt-resolve-form",
        html,
        resolution="TRUE_MATCH",
        rationale="same person",
    )
    assert "True match proposed" in proposed
    row = _row(proposed, hit)
    assert "MATCH_PROPOSED" in row and "proposed by <strong>ann-analyst</strong>" in row
    assert "Approve match" not in row and "Compliance lead" in row  # why the analyst cannot

    lead_page = _page(lead_client, screened)
    approved = _act(
        lead_client,
        screened,
        hit,
        "approve",
        "casemgmt-approve-hit-form",
        lead_page,
        comment="agreed",
    )
    assert "True match approved." in approved
    confirmed = ScreeningHit.objects.get(pk=hit.pk)
    assert (confirmed.status, confirmed.resolution["approved_by"]) == ("TRUE_MATCH", "lee-lead")
    assert Case.objects.get(pk=screened.pk).confirmed_hit_topics == ["sanction"]


def test_the_lead_who_proposed_cannot_approve_and_another_lead_returns_it(screened, lead_client):
    run_once()
    hit = ScreeningHit.objects.get(case_id=screened.pk, entity_id="marta-1")
    html = _page(lead_client, screened)
    proposed = _act(
        lead_client,
        screened,
        hit,
        "resolve",
        "casemgmt-resolve-form",
        html,
        resolution="TRUE_MATCH",
        rationale="the PEP herself",
    )
    row = _row(proposed, hit)
    assert "Approve match" not in row and "four eyes" in row

    other = _client("lia-lead", LEAD)
    returned = _act(
        other,
        screened,
        hit,
        "return",
        "casemgmt-return-hit-form",
        _page(other, screened),
        reason="check the birth date",
    )
    assert "the hit is open again" in returned
    assert ScreeningHit.objects.get(pk=hit.pk).status == "OPEN"


def test_someone_without_the_resolve_permission_reads_why_and_is_refused(screened):
    run_once()
    hit = ScreeningHit.objects.get(case_id=screened.pk, entity_id="ivan-1")
    viewer, _ = ensure_back_office_user("vic-viewer", "viewer-pass-1", ANALYST)
    from django.contrib.auth.models import Permission

    viewer.groups.clear()
    for codename in ("view_case", "view_screeninghit"):
        viewer.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(viewer)
    row = _row(_page(client, screened), hit)
    assert "False positive" not in row and "cases.resolve_screeninghit" in row
    refused = client.post(reverse("admin:cases_case_hit_resolve", args=[screened.pk, hit.pk]))
    assert refused.status_code == 403


def test_the_unresolved_hits_queue_filters_by_status_and_links_to_the_case(
    screened, analyst_client
):
    run_once()
    ivan = ScreeningHit.objects.get(case_id=screened.pk, entity_id="ivan-1")
    marta = ScreeningHit.objects.get(case_id=screened.pk, entity_id="marta-1")
    html = _page(analyst_client, screened)
    _act(
        analyst_client,
        screened,
        ivan,
        "resolve",
        "casemgmt-resolve-form",
        html,
        resolution="FALSE_POSITIVE",
        rationale="born elsewhere",
    )
    html = _page(analyst_client, screened)
    _act(
        analyst_client,
        screened,
        marta,
        "resolve",
        "casemgmt-resolve-form",
        html,
        resolution="TRUE_MATCH",
        rationale="the PEP herself",
    )

    queue = reverse("admin:cases_screeninghit_changelist")
    listed = analyst_client.get(queue).content.decode()
    assert "Unresolved hits" in listed
    case_url = reverse("admin:cases_case_change", args=[screened.pk])
    assert f'href="{case_url}#hit-{marta.pk}"' in listed and "Marta Kowalczyk" in listed
    assert "Ivan Petrov" not in listed  # resolved: off the queue
    assert "Marta Kowalczyk" not in analyst_client.get(queue, {"status": "OPEN"}).content.decode()
    proposed = analyst_client.get(queue, {"status": "MATCH_PROPOSED"}).content.decode()
    assert "Marta Kowalczyk" in proposed
    opened = analyst_client.get(reverse("admin:cases_screeninghit_change", args=[ivan.pk]))
    assert opened.status_code == 302 and opened["Location"] == f"{case_url}#hit-{ivan.pk}"

    dashboard = analyst_client.get(reverse("admin:index")).content.decode()
    assert re.search(r'id="dash-unresolved-hits">1<', dashboard)
    assert re.search(r'id="dash-proposed-matches">1<', dashboard)
    assert re.search(r'id="dash-screening-pending">0<', dashboard)


def test_screen_again_from_the_panel_queues_a_screening(screened, analyst_client):
    run_once()
    html = _page(analyst_client, screened)
    form = re.search(r'<form[^>]*id="rescreen-form".*?</form>', html, re.S).group(0)
    data = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form))
    page = analyst_client.post(
        reverse("admin:cases_case_rescreen", args=[screened.pk]), data, follow=True
    ).content.decode()
    assert "Screening requested" in page and 'id="screening-pending"' in page
    assert Case.objects.get(pk=screened.pk).screening_pending == 1
