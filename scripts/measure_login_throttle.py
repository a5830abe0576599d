"""Measure login throttling on this backend: django-axes against the small limiter.

    .venv/bin/python scripts/measure_login_throttle.py [--logins 200]

Runs each variant in its own process against a private database on the local FerretDB (dropped
afterwards) and prints, per variant: whether its tables migrate, whether the right password is
refused after LIMIT failures on the admin login, and the mean time per failed login (the
attacker's path) and per successful one, with the ratio to the limiter. django-axes must be
installed for its variants (`pip install django-axes==8.3.1`); it is not a project dependency.
Variants:

  limiter      casemgmt_project.login_guard on the per-process memory cache (today's default)
  axes-db      django-axes with its database handler (attempts stored through the ORM)
  axes-cache   django-axes with its cache handler (attempts in the memory cache)
  db-cache     the limiter on Django's database cache table (a cache shared by every worker)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 3
VARIANTS = ("limiter", "axes-db", "axes-db-objectid", "axes-cache", "db-cache")
AXES = """
INSTALLED_APPS = [*INSTALLED_APPS, "{app}"]
MIDDLEWARE = [*MIDDLEWARE, "axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = LIMIT
AXES_HANDLER = "axes.handlers.{handler}"
"""
#: axes as shipped declares integer AutoField keys; this variant gives it ObjectId ones and
#: migrations generated for them (what adopting it on this backend would take).
OBJECTID_APP = """
from axes.apps import AppConfig


class AxesObjectIdConfig(AppConfig):
    default_auto_field = "django_mongodb_backend.fields.ObjectIdAutoField"
"""

SETTINGS = {
    "limiter": "",
    "axes-db": AXES.format(app="axes", handler="database.AxesDatabaseHandler"),
    "axes-db-objectid": AXES.format(
        app="measure_axes_app.AxesObjectIdConfig", handler="database.AxesDatabaseHandler"
    )
    + 'MIGRATION_MODULES = {**MIGRATION_MODULES, "axes": "measure_axes_migrations"}\n',
    "axes-cache": AXES.format(app="axes", handler="cache.AxesCacheHandler"),
    "db-cache": """
CACHES = {
    **CACHES,
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "casemgmt_cache",
    },
}
LOGIN_THROTTLE_CACHE = "shared"
""",
}


def settings_module(variant: str, directory: Path) -> str:
    name = f"measure_{variant.replace('-', '_')}"
    body = SETTINGS[variant]
    (directory / f"{name}.py").write_text(
        "from casemgmt_project.settings_test import *  # noqa\n"
        f'LIMIT = {LIMIT}\nLOGIN_FAILURE_LIMIT = LIMIT\nALLOWED_HOSTS = ["testserver"]\n{body}\n'
    )
    return name


def step(report: dict, name: str, action) -> bool:
    """Run one stage; on failure keep the exception's type, text and the innermost frame."""
    try:
        report[name] = action()
        return True
    except Exception as exc:
        frames = [  # the frames that say which library issued which query
            f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} {f.line}"
            for f in traceback.extract_tb(exc.__traceback__)
            if any(part in f.filename for part in ("axes", "mongodb", "db/models", "cache"))
        ]
        report[name] = {"error": f"{type(exc).__name__}: {exc}"[:600], "at": frames[-8:]}
        return False


def run_variant(variant: str, logins: int) -> dict:
    """Inside the child process: migrate, prove the lockout, time the logins."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    report: dict = {"variant": variant}

    def migrate():
        if variant == "axes-db-objectid":
            call_command("makemigrations", "axes", verbosity=0)
        call_command("migrate", verbosity=0, interactive=False)
        if variant == "db-cache":
            call_command("createcachetable", verbosity=0)
        return "ok"

    def log_in(client: Client, username: str, password: str, address: str):
        return client.post(
            "/admin/login/?next=/admin/",
            {"username": username, "password": password},
            REMOTE_ADDR=address,
        )

    def signed_in(client: Client) -> bool:
        return "_auth_user_id" in client.session

    def lockout():
        get_user_model().objects.create_user("officer", password="right", is_staff=True)
        client = Client()
        statuses = [log_in(client, "officer", "wrong", "10.1.0.1").status_code for _ in range(3)]
        refused = log_in(client, "officer", "right", "10.1.0.1")
        other = Client()
        elsewhere = log_in(other, "officer", "right", "10.1.0.2")
        return {
            "failures": statuses,
            "right_password_after_limit": refused.status_code,
            "locked_out": not signed_in(client),
            "other_address_logs_in": signed_in(other) and elsewhere.status_code == 302,
        }

    def timing():
        caches[settings.LOGIN_THROTTLE_CACHE].clear()
        get_user_model().objects.create_user("analyst", password="right", is_staff=True)
        client = Client()
        started = time.perf_counter()
        for index in range(logins):  # a fresh address each time: no lockout in the way
            log_in(client, "analyst", "wrong", f"10.2.{index // 250}.{index % 250}")
        failed = (time.perf_counter() - started) / logins
        started = time.perf_counter()
        for index in range(logins):
            log_in(Client(), "analyst", "right", f"10.3.{index // 250}.{index % 250}")
        succeeded = (time.perf_counter() - started) / logins
        return {"failed_ms": round(failed * 1000, 2), "succeeded_ms": round(succeeded * 1000, 2)}

    try:
        if step(report, "migrate", migrate) and step(report, "lockout", lockout):
            step(report, "timing", timing)
    finally:
        connection.ensure_connection()
        connection.connection.drop_database(settings.DATABASES["default"]["NAME"])
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--variant", choices=VARIANTS, action="append")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_variant(args.child, args.logins)))
        return
    reports = []
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "measure_axes_app.py").write_text(OBJECTID_APP)
        (Path(directory) / "measure_axes_migrations").mkdir()
        (Path(directory) / "measure_axes_migrations" / "__init__.py").write_text("")
        for variant in args.variant or VARIANTS:
            env = {
                **os.environ,
                "PYTHONPATH": os.pathsep.join([directory, str(ROOT)]),
                "DJANGO_SETTINGS_MODULE": settings_module(variant, Path(directory)),
                "CASEMGMT_TEST_RUN_ID": f"throttle{uuid.uuid4().hex[:8]}",
                "LOG_LEVEL": "CRITICAL",
            }
            done = subprocess.run(
                [sys.executable, __file__, "--child", variant, "--logins", str(args.logins)],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=600,
            )
            lines = done.stdout.strip().splitlines()
            reports.append(
                json.loads(lines[-1])
                if done.returncode == 0 and lines
                else {"variant": variant, "crashed": done.stderr[-1500:]}
            )
    base = (reports[0].get("timing") or {}) if reports[0]["variant"] == "limiter" else {}
    for report in reports:
        timing = report.get("timing") or {}
        if base and timing:
            timing["failed_ratio"] = round(timing["failed_ms"] / base["failed_ms"], 2)
            timing["succeeded_ratio"] = round(timing["succeeded_ms"] / base["succeeded_ms"], 2)
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
