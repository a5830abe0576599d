"""The public interface end to end: load a list, screen a party, read versions and deltas."""

import pytest

from screening import services
from screening.parties import Party
from tests.integration.screening.conftest import entity

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_loaded_list_screens_a_party_and_reports_its_version(load_list):
    loaded = load_list(
        "smoke",
        [
            entity("p1", name="Viktor Petrovich Orlov", birthDate="1961-03-04", topics="sanction"),
            entity("c1", "Company", name="Orlov Shipping Ltd", country="cy", topics="sanction"),
        ],
    )

    [result] = services.screen(
        [
            Party(
                key="person:1",
                schema="Person",
                names=("Viktor Orlov",),
                birth_dates=("1961-03-04",),
            )
        ]
    )

    assert services.current_versions() == {"smoke": loaded.version.version}
    assert services.delta_entity_ids("smoke", loaded.version.version) == {"p1", "c1"}
    assert result.version == loaded.version.version
    assert [hit.entity_id for hit in result.hits] == ["p1"]
    assert result.hits[0].topics == ("sanction",)
