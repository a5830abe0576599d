"""The MongoDB password in MONGODB_URI never shows (issue #12, security).

The web process (gunicorn, as the image runs it) and `manage.py migrate` start with a URI that
carries a password the local server refuses. Neither the probes' bodies, nor an API error, nor
any log line at DEBUG, nor the traceback of the refused connection may contain it.
"""

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.integration.consumer_process import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def credentials_env(password: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "casemgmt_project.settings_test",
        "MONGODB_URI": f"mongodb://casemgmt:{password}@127.0.0.1:27017/?authSource=admin",
        "MONGODB_SERVER_SELECTION_TIMEOUT_MS": "2000",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "DEBUG",
    }


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds}s")


@pytest.fixture
def password() -> str:
    return f"s3cret-{secrets.token_hex(8)}"


def test_a_refused_password_is_in_no_probe_body_api_error_or_log_line(password, tmp_path):
    port = free_port()
    log = tmp_path / "web.log"
    with log.open("w") as output:
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "casemgmt_project.wsgi",
                "--config",
                "python:casemgmt_project.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=credentials_env(password),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/health")
        answers = [
            fetch(f"{base}/health"),
            fetch(f"{base}/ready"),
            fetch(f"{base}/api/v1/cases", {"Authorization": "Bearer abcdefgh.not-a-secret"}),
        ]
    finally:
        web.terminate()
        web.wait(timeout=30)
    text = log.read_text()

    assert [status for status, _ in answers] == [200, 503, 500]
    assert '"mongodb"' in answers[1][1] and "request_id" in answers[2][1]
    assert "OperationFailure" in text  # the refusal was logged, by type
    assert password not in "\n".join(body for _, body in answers)
    assert password not in text


def test_a_refused_password_is_not_in_the_traceback_of_a_failed_migrate(password):
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=credentials_env(password),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode != 0
    assert "Authentication" in done.stderr  # the driver's reason, quoted in full
    assert password not in done.stdout + done.stderr
