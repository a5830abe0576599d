"""What `reassess` writes (issue #27): only the risk fields of the re-rated cases, and only the
Client rows whose level moved; the read models stay those a rebuild gives."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connections
from pymongo import monitoring

from cases.models import Case, Client, RiskModel
from cases.risk.services import reassess
from cases.risk.versions import save_new_version
from tests.integration.helpers import open_case
from tests.integration.risk.common import kyb, snapshot

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules", "risk_model"),
]


class Updates(monitoring.CommandListener):
    """The update statements sent while active, by collection (registered once per process)."""

    def __init__(self) -> None:
        self.active = False
        self.statements: dict[str, list[dict]] = {}
        self._lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.active and event.command_name == "update":
            with self._lock:
                target = self.statements.setdefault(event.command["update"], [])
                target.extend(event.command["updates"])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


_UPDATES = Updates()
monitoring.register(_UPDATES)


@pytest.fixture
def updates() -> Iterator[Updates]:
    connections["default"].close()  # listeners attach when a client is made
    try:
        yield _UPDATES
    finally:
        _UPDATES.active = False
        _UPDATES.statements.clear()
        connections["default"].close()


def test_reassess_sets_only_the_risk_fields_and_skips_unmoved_clients(updates):
    moving = open_case(kyb("moving", country="PA"))  # PA: medium list
    staying = open_case(kyb("staying", country="GB"))
    also_staying = open_case(kyb("also-staying", country="GB"))
    first = RiskModel.objects.get(version=1)
    save_new_version({"factors": {**first.factors, "country_medium": 25}}, by="lea")

    updates.active = True
    assert reassess() == (3, 3)  # a new model version: every case is rated again
    updates.active = False

    case_sets = [s["u"]["$set"] for s in updates.statements["cases"]]
    written = {key for change in case_sets for key in change}
    assert written <= {
        "risk_level",
        "risk_score",
        "risk_factors",
        "risk_model_version",
        "risk_assessed_at",
        "updated_at",
        "version",
    }, written
    # The two GB cases get the same change: one statement for both.
    assert sum(1 for s in updates.statements["cases"] if s.get("multi")) == 1
    # Only the client whose level moved is written.
    [client_write] = updates.statements["clients"]
    assert client_write["u"]["client_id"] == "moving"
    assert Client.objects.get(client_id="moving").risk_level == "MEDIUM"
    assert {
        Case.objects.get(pk=c.id).risk_model_version for c in (moving, staying, also_staying)
    } == {2}

    live = snapshot()
    call_command("rebuild_projections", stdout=io.StringIO(), stderr=io.StringIO())
    assert snapshot() == live
