"""Who is calling, and may they: bearer tokens for services, the Django session for analysts.

Every operation of the API requires one of the two (SPEC §7). A token acts with exactly its
owner's permissions, so it can never do more than the person it belongs to. Session writes are
CSRF-checked; token requests are not (no ambient credential to forge).
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from ninja.errors import AuthorizationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from cases.api.tokens import verify_token

__all__ = ["Principal", "SessionAuth", "TokenAuth", "needs", "principal_of"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: the user whose permissions apply, and the actor on events."""

    user: AbstractBaseUser
    actor_type: str  # USER or TOKEN
    actor_id: str

    @property
    def actor(self) -> str:
        return f"{self.actor_type}:{self.actor_id}"


def _permitted(principal: Principal, permissions: tuple[str, ...]) -> Principal:
    """Checked during authentication, so a caller without the right gets 403 before their
    input is even parsed (no 422 that would reveal the shape of an operation they may not use)."""
    missing = [perm for perm in permissions if not principal.user.has_perm(perm)]
    if missing:
        raise AuthorizationError(403, f"permission {', '.join(missing)} required")
    return principal


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key_id>.<secret>` (from `manage.py create_api_token`)."""

    def __init__(self, *permissions: str) -> None:
        self.permissions = permissions
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        api_token = verify_token(token)
        if api_token is None:
            return None
        request.user = api_token.owner  # permission checks and logging see the owner
        return _permitted(Principal(api_token.owner, "TOKEN", api_token.name), self.permissions)


class SessionAuth(APIKeyCookie):
    """The admin's login session; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, *permissions: str) -> None:
        self.permissions = permissions
        super().__init__(csrf=True)  # also tells the docs page to send the CSRF token

    def __call__(self, request: HttpRequest) -> Principal | None:
        # Anonymous first, so a request with no credentials is a 401, not a CSRF 403.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed: send the csrftoken as X-CSRFToken")
        return _permitted(Principal(user, "USER", user.get_username()), self.permissions)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover
        return None  # __call__ does the work; APIKeyCookie requires the method


def needs(*permissions: str) -> list[Any]:
    """`auth=` for an operation: a token or a session whose user holds every permission."""
    return [TokenAuth(*permissions), SessionAuth(*permissions)]


def principal_of(request: HttpRequest) -> Principal:
    return request.auth  # type: ignore[attr-defined]
