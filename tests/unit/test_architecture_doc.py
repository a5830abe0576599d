"""docs/architecture.md keeps up with the code: its event catalogue names every event type."""

from __future__ import annotations

import re
from pathlib import Path

from cases.client_updates import claims as client_claims
from cases.client_updates import events as client_events
from cases.core import events as ev
from cases.notifications.services import NOTIFICATION
from cases.screening import events as screening_events

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
AGGREGATES = {ev.CASE, ev.COMPANY, ev.DOCUMENT_REQUIREMENT, NOTIFICATION, client_claims.CLIENT}
CAMEL_CASE = re.compile(r"^(?:[A-Z][a-z]+){2,}$")


def event_types_in_code() -> set[str]:
    """Every CamelCase string constant of the event modules that is not an aggregate type."""
    found = set()
    for module in (ev, client_events, client_claims, screening_events):
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and CAMEL_CASE.match(value):
                found.add(value)
    return found - AGGREGATES


def catalogue() -> dict[str, str]:
    """event type → aggregate, from the rows of the doc's event catalogue table."""
    section = DOC.read_text(encoding="utf-8").split("## Event catalogue", 1)[1].split("\n## ")[0]
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \|", section, flags=re.MULTILINE)
    return dict(rows)


def test_the_event_catalogue_names_every_event_type_in_the_code_and_no_other():
    documented = catalogue()
    in_code = event_types_in_code()
    assert len(in_code) >= 19  # the scan itself found the event modules' constants
    assert sorted(in_code - set(documented)) == [], "add these to docs/architecture.md"
    assert sorted(set(documented) - in_code) == [], "these are documented but not in the code"


def test_each_documented_aggregate_is_an_aggregate_type_of_the_code():
    assert set(catalogue().values()) <= AGGREGATES
