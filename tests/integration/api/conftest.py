"""Fixtures for the API tests: callers holding chosen permissions, through bearer tokens."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from cases.api.tokens import issue_token
from cases.models import NotificationRule


@dataclass
class Caller:
    """A user with a token, calling the API through Django's test client (real URLconf)."""

    user: Any
    token: str
    client: Client

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **params: Any):
        return self.client.get(path, params, headers=self.auth)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        return self.client.post(
            path, body, content_type="application/json", headers={**self.auth, **(headers or {})}
        )

    def put(self, path: str, body: Any = None):
        return self.client.put(path, body, content_type="application/json", headers=self.auth)


def grant(user: Any, *permissions: str) -> None:
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


@pytest.fixture
def make_caller() -> Callable[..., Caller]:
    """`make_caller("cases.view_case", ...)`: a fresh user holding exactly those permissions."""

    def make(*permissions: str, superuser: bool = False) -> Caller:
        users = get_user_model().objects
        username = f"user-{uuid.uuid4().hex[:8]}"
        user = (
            users.create_superuser(username, "", "pw")
            if superuser
            else users.create_user(username, "", "pw")
        )
        grant(user, *permissions)
        return Caller(user, issue_token(user, f"token-of-{username}").secret, Client())

    return make


@pytest.fixture
def case_created_rule() -> NotificationRule:
    """The seeded default: notify on every case creation (the database is emptied per test)."""
    return NotificationRule.objects.create(
        trigger="CASE_CREATED",
        notification_type="CASE_CREATED",
        template_id="case_created_v1",
        language_code="en",
    )
