"""The API keeps its OpenAPI contract: schemathesis, the same run as docs/api.md's
"Contract testing" command, against a live server in this test's database.

Through the whole middleware stack (a real HTTP server, not an in-process shortcut), with
every check (`--checks all`: server errors, status codes, content types, headers, response
schemas, positive and negative data acceptance, ...), every phase (examples, coverage,
fuzzing, and the stateful phase that follows the schema's links from a created or claimed
case to its decisions and documents), and schemathesis.toml's hooks and written exclusions.
The budget (EXAMPLES per operation, a fixed seed) reproduces the defects of issue #22 when
their fixes are reverted and keeps the test within a few minutes on two cores.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.api.payloads import KYB
from tests.integration.helpers import open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules"),
]

ROOT = Path(__file__).resolve().parents[3]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "15"))
SEED = os.environ.get("CONTRACT_SEED", "22")
TIMEOUT_SECONDS = 600


def test_the_api_answers_as_its_openapi_document_says(live_server, make_caller):
    open_case(KYB)  # one case before the run, so list and read operations return data too
    token = make_caller(superuser=True).token
    command = [
        str(SCHEMATHESIS),
        "--no-color",
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "-H",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "-n",
        str(EXAMPLES),
        "--seed",
        SEED,
        "--generation-database",
        "none",
        "--workers",
        "1",
    ]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )
    summary = done.stdout[-6000:]
    assert "Configuration:    " in done.stdout, "schemathesis.toml was not loaded\n" + summary
    assert "Stateful" in done.stdout, "the stateful phase did not run\n" + summary
    assert done.returncode == 0, summary


def test_plumbing_statuses_are_documented_and_every_link_names_an_operation(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = [op for ops in schema["paths"].values() for op in ops.values()]
    operation_ids = {op["operationId"] for op in operations}
    for operation in operations:
        responses = operation["responses"]
        names = {p["name"] for p in operation.get("parameters", [])}
        expected = {"401", "403", "422"}
        expected |= {"400", "413"} if "requestBody" in operation else set()
        expected |= {"400"} if "cursor" in names else set()
        assert expected <= set(responses), (operation["operationId"], sorted(responses))
        for status in expected:
            schema_ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert schema_ref.endswith("/ErrorOut")
        for link in (link for r in responses.values() for link in r.get("links", {}).values()):
            assert link["operationId"] in operation_ids
    linked = {
        link["operationId"]
        for op in operations
        for r in op["responses"].values()
        for link in r.get("links", {}).values()
    }
    assert {"cases_api_workflow_approve", "cases_api_documents_update_status"} <= linked


def test_the_document_names_each_key_once(client):
    """A key written twice is valid to a lenient JSON parser and fatal to Swagger UI's YAML
    one (the docs page then renders nothing), so read the raw text, not `.json()`."""
    repeated: list[str] = []

    def refuse_repeats(pairs: list[tuple[str, object]]) -> dict:
        keys = [key for key, _ in pairs]
        repeated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=refuse_repeats)
    assert repeated == []
