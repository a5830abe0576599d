"""The watchlist pages of the back office: versions with their deltas, dataset settings."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from screening.models import WatchlistDataset
from tests.integration.screening.conftest import entity

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def superuser_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("lead-admin", password="x"))
    return client


def test_versions_are_listed_with_their_delta_and_cannot_be_edited(load_list, superuser_client):
    load_list("sanctions", [entity("a", name="Ann Varkonyi"), entity("b", name="Bo Trevane")])
    version = load_list("sanctions", [entity("a", name="Ann Varkonyi")], name="two").version

    listing = superuser_client.get("/admin/screening/watchlistversion/")
    page = superuser_client.get(f"/admin/screening/watchlistversion/{version.pk}/change/")

    assert listing.status_code == 200 and version.version in listing.content.decode()
    assert page.status_code == 200 and "Save" not in page.content.decode()
    assert superuser_client.get("/admin/screening/watchlistversion/add/").status_code == 403


def test_a_dataset_threshold_is_edited_and_an_unknown_algorithm_refused(
    load_list, superuser_client
):
    load_list("sanctions", [entity("a", name="Ann Varkonyi")])
    url = "/admin/screening/watchlistdataset/sanctions/change/"

    refused = superuser_client.post(url, {"title": "", "algorithm": "no-such", "threshold": "0.8"})
    saved = superuser_client.post(
        url, {"title": "Sanctions", "algorithm": "logic-v2", "threshold": "0.8"}
    )

    assert refused.status_code == 200 and "no algorithm named" in refused.content.decode()
    assert saved.status_code == 302
    dataset = WatchlistDataset.objects.get(name="sanctions")
    assert (dataset.title, dataset.threshold, dataset.current_sequence) == ("Sanctions", 0.8, 1)
