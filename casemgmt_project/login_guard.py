"""Login throttling and the login audit trail, for every password login (admin and API).

A small cache-based limiter rather than django-axes: axes stores its attempts through the ORM
with integer-keyed models and migrations written for SQL backends, which this MongoDB backend
(ObjectId keys, per-app Mongo migrations) would need patching for; the limiter needs only the
cache. Failures are counted per (username, client address) and per client address within
LOGIN_THROTTLE_WINDOW_SECONDS; past the limit, authentication is refused before any password
is checked (constant work for the attacker's guesses) until the window passes. A successful
login clears its (username, address) counter.

Every attempt is logged on `casemgmt.audit.login` (success, failure, refusal) with the
username and client address; never the password. The counters are only as shared as their
cache: `check --deploy` warns while it is a per-process one (docs/security.md).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import checks
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest

audit = logging.getLogger("casemgmt.audit.login")


def _cache():
    return caches[settings.LOGIN_THROTTLE_CACHE]


PER_PROCESS_CACHES = ("LocMemCache", "DummyCache")


@checks.register(checks.Tags.security, deploy=True)
def check_shared_login_cache(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    """Each gunicorn worker would count its own failures: N workers allow N times the limit."""
    backend = settings.CACHES.get(settings.LOGIN_THROTTLE_CACHE, {}).get("BACKEND", "")
    if not backend.endswith(PER_PROCESS_CACHES):
        return []
    return [
        checks.Warning(
            f"login failures are counted per process ({backend.rsplit('.', 1)[-1]})",
            hint="set LOGIN_THROTTLE_CACHE_URL to a shared cache, e.g. redis://host:6379/1",
            id="casemgmt.W001",
        )
    ]


def client_address(request: HttpRequest | None) -> str:
    """REMOTE_ADDR; behind a proxy, run the proxy so that it sets it (not X-Forwarded-For)."""
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"


def _keys(username: str, address: str) -> tuple[str, str]:
    user = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login-fail:{user}:{address}", f"login-fail-ip:{address}"


def is_locked(username: str, address: str) -> bool:
    pair, per_address = _keys(username, address)
    counts = _cache().get_many([pair, per_address])
    return (
        counts.get(pair, 0) >= settings.LOGIN_FAILURE_LIMIT
        or counts.get(per_address, 0) >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    )


def _count_failure(username: str, address: str) -> None:
    cache, window = _cache(), settings.LOGIN_THROTTLE_WINDOW_SECONDS
    for key in _keys(username, address):
        if cache.add(key, 1, window):  # first failure opens the window
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, window)


class ThrottledLoginBackend:
    """First in AUTHENTICATION_BACKENDS: refuses a locked-out login, else lets the next try."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, **_: Any):
        if username and is_locked(username, client_address(request)):
            audit.warning(
                "login refused: too many failures",
                extra={"username": username, "client_address": client_address(request)},
            )
            raise PermissionDenied("too many failed logins; try again later")
        return None

    # No get_user(): sessions belong to the backend that authenticated (ModelBackend), and
    # Django's force_login picks the first backend that has one.


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _on_failure(sender: Any, credentials: dict, request: HttpRequest | None = None, **_: Any):
    username = str(credentials.get("username") or "")
    address = client_address(request)
    if not is_locked(username, address):
        _count_failure(username, address)
        audit.warning("login failed", extra={"username": username, "client_address": address})


@receiver(user_logged_in, dispatch_uid="audit_login_succeeded")
def _on_success(sender: Any, request: HttpRequest | None, user: Any, **_: Any):
    address = client_address(request)
    _cache().delete(_keys(user.get_username(), address)[0])
    audit.info(
        "login succeeded", extra={"username": user.get_username(), "client_address": address}
    )
