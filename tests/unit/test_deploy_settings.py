"""Production settings pass Django's deployment checklist, and unsafe ones refuse to start."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_LIKE = {
    "DJANGO_SETTINGS_MODULE": "casemgmt_project.settings",
    "ENV_FILE": "",  # the image has no .env; a developer's must not decide the outcome
    "SECRET_KEY": secrets.token_urlsafe(50),
    "MONGODB_URI": "mongodb://casemgmt:secret@db.internal:27017/?tls=true",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka.internal:9093",
    "ALLOWED_HOSTS": "cases.bank.example",
    "CSRF_TRUSTED_ORIGINS": "https://cases.bank.example",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_PROXY_SSL_HEADER": "true",
    "LOGIN_THROTTLE_CACHE_URL": "redis://cache.internal:6379/1",
}


def manage(args: list[str], variables: dict[str, str]) -> subprocess.CompletedProcess:
    """Run manage.py with only these variables."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **variables}
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deployment_checklist_passes_with_production_variables():
    result = manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_LIKE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_checklist_warns_while_login_failures_are_counted_per_process():
    variables = {k: v for k, v in PRODUCTION_LIKE.items() if k != "LOGIN_THROTTLE_CACHE_URL"}
    result = manage(["check", "--deploy", "--fail-level", "WARNING"], variables)
    assert result.returncode != 0
    assert "casemgmt.W001" in result.stderr and "LOGIN_THROTTLE_CACHE_URL" in result.stderr


def test_the_example_secret_key_stops_start_up_outside_debug():
    result = manage(["check"], {**PRODUCTION_LIKE, "SECRET_KEY": "change-me"})
    assert result.returncode != 0
    assert "SECRET_KEY is the example value" in result.stderr


def test_debug_is_off_and_cookies_are_secure_by_default():
    script = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY)"
    )
    variables = {k: PRODUCTION_LIKE[k] for k in ("SECRET_KEY", "MONGODB_URI", "ENV_FILE")}
    variables["KAFKA_BOOTSTRAP_SERVERS"] = "kafka.internal:9093"
    variables["DJANGO_SETTINGS_MODULE"] = "casemgmt_project.settings"
    result = manage(["shell", "-c", script], variables)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["False"] + ["True"] * 4


def test_error_reports_hide_the_database_uri_with_its_password():
    script = (
        "from django.views.debug import get_default_exception_reporter_filter as f; "
        "print(f().get_safe_settings())"
    )
    variables = {**PRODUCTION_LIKE, "MONGODB_URI": "mongodb://casemgmt:pw-9f3k@db:27017"}
    result = manage(["shell", "-c", script], variables)
    assert result.returncode == 0, result.stderr
    assert "MONGODB_URI" in result.stdout and "pw-9f3k" not in result.stdout
