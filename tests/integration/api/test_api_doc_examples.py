"""docs/api.md's examples are true: each block runs, as written, against a live server.

The token block runs through `call_command` with the doc's own arguments (the live server
shares this test run's database, which a separate `manage.py` process would not); every curl
block runs in bash with real curl, and its answer's status must be the one the doc states.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.integration.helpers import make_user, open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules"),
]

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"
MANAGE = ".venv/bin/python manage.py "


def example_blocks() -> list[str]:
    """The bash blocks of the doc's Examples section, in order."""
    section = DOC.read_text(encoding="utf-8").split("## Examples", 1)[1].split("\n## ")[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)


def expected_status(block: str) -> int:
    found = re.search(r"^# → (\d{3})", block, flags=re.MULTILINE)
    assert found, f"an example without its expected status:\n{block}"
    return int(found.group(1))


def run_curl(block: str, env: dict[str, str]) -> tuple[int, dict | None]:
    """Run the block in bash; the status from curl's `-i` status line, the JSON body if any."""
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    head, _, body = done.stdout.replace("\r\n", "\n").partition("\n\n")
    status = int(head.split()[1])
    return status, json.loads(body) if body.strip() else None


@pytest.fixture
def server_with_cases(live_server) -> str:
    make_user("admin", superuser=True)
    for index in range(3):
        open_case(
            {
                "client_id": f"CLI-DOCS-SEED-{index}",
                "version": "1.0",
                "type": "INDIVIDUAL_STANDARD",
                "traitement_type": "KYC",
                "persons": [{"firstname": "Ada", "lastname": f"Example{index}"}],
            }
        )
    return live_server.url


@pytest.mark.skipif(shutil.which("curl") is None, reason="the examples need curl")
def test_every_curl_example_of_the_api_doc_answers_the_status_it_states(server_with_cases):
    blocks = example_blocks()
    assert blocks[0].startswith(MANAGE), "the examples start by creating a token"
    token = StringIO()
    call_command(*shlex.split(blocks[0].strip()[len(MANAGE) :]), stdout=token, stderr=StringIO())
    env = {"BASE": server_with_cases, "TOKEN": token.getvalue().strip()}

    ran = []
    for block in blocks[1:]:
        assert block.lstrip().startswith("curl "), f"not a curl example:\n{block}"
        if "$CURSOR" in block:
            assert env.get("CURSOR"), "the cursor example needs a first page with a next_cursor"
        if "$CASE_ID" in block:
            assert env.get("CASE_ID"), "the detail examples need the create example first"
        status, body = run_curl(block, env)
        assert status == expected_status(block), f"{block}\nanswered {status}: {body}"
        if isinstance(body, dict) and body.get("next_cursor") and "CURSOR" not in env:
            env["CURSOR"] = body["next_cursor"]
        if isinstance(body, dict) and status == 201 and "case_id" in body:
            env["CASE_ID"] = str(body["case_id"])
        ran.append(status)
    assert {200, 201, 401, 409, 422} <= set(ran)
