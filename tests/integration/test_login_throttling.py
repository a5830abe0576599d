"""Admin login throttling and the login audit (issue #12, security)."""

import logging

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client, override_settings

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "right-horse-battery-staple"


@pytest.fixture
def staff_user():
    caches[settings.LOGIN_THROTTLE_CACHE].clear()
    return get_user_model().objects.create_user(
        username="officer", password=PASSWORD, is_staff=True
    )


def log_in(client: Client, password: str, address: str = "10.0.0.7"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "officer", "password": password},
        REMOTE_ADDR=address,
    )


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_after_repeated_failures_even_the_right_password_is_refused_for_a_while(staff_user, caplog):
    client = Client()
    with caplog.at_level(logging.INFO, logger="casemgmt.audit.login"):
        for _ in range(3):
            assert log_in(client, "guess").status_code == 200  # the form again, with an error
        refused = log_in(client, PASSWORD)

    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    messages = [record.getMessage() for record in caplog.records]
    assert messages.count("login failed") == 3
    assert "login refused: too many failures" in messages
    assert all(PASSWORD not in str(record.__dict__) for record in caplog.records)


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_a_lockout_is_per_address_and_a_success_is_audited(staff_user, caplog):
    client = Client()
    for _ in range(3):
        log_in(client, "guess", address="10.0.0.7")
    with caplog.at_level(logging.INFO, logger="casemgmt.audit.login"):
        accepted = log_in(Client(), PASSWORD, address="10.0.0.8")

    assert accepted.status_code == 302
    success = [r for r in caplog.records if r.getMessage() == "login succeeded"]
    assert [(r.username, r.client_address) for r in success] == [("officer", "10.0.0.8")]
