"""Fixtures of the periodic-review tests: the seeded cadences, two analysts and a lead."""

import pytest

from cases.models import ReviewCadence
from cases.reviews.cadence import seed_cadences
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP
from tests.integration.helpers import make_user


@pytest.fixture
def cadences() -> None:
    seed_cadences(ReviewCadence)


@pytest.fixture
def team() -> None:
    make_user("ana", ANALYST_GROUP)
    make_user("bob", ANALYST_GROUP)
    make_user("lea", LEAD_GROUP)
