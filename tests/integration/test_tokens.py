"""API tokens (cases.api.tokens, manage.py create_api_token): only a hash at rest, shown once."""

import hashlib
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from cases.api.tokens import issue_token, revoke_token, verify_token
from cases.models import ApiToken

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner():
    return get_user_model().objects.create_user("svc-owner", "", "pw")


def test_create_api_token_prints_the_secret_once_and_stores_only_its_hash(owner):
    out = StringIO()
    call_command("create_api_token", user="svc-owner", name="crm", expires_days=30, stdout=out)
    secret = out.getvalue().strip()
    token = ApiToken.objects.get(name="crm")
    key_id, _, raw = secret.partition(".")
    assert token.key_id == key_id and token.owner == owner
    assert token.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().first())
    assert token.expires_at is not None
    assert verify_token(secret) == token


def test_create_api_token_names_an_unknown_user():
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        call_command("create_api_token", user="ghost", name="crm")


def test_a_token_with_a_wrong_secret_or_revoked_does_not_verify(owner):
    issued = issue_token(owner, "billing")
    assert verify_token(issued.secret + "x") is None
    revoke_token(issued.token.key_id)
    assert verify_token(issued.secret) is None


def test_the_admin_lists_tokens_without_their_hash_and_revokes_them(owner, client):
    issued = issue_token(owner, "crm")
    lead = get_user_model().objects.create_superuser("lead", "", "pw")
    client.force_login(lead)
    page = client.get("/admin/cases/apitoken/")
    assert page.status_code == 200
    assert issued.token.key_id in page.content.decode()
    assert issued.token.secret_hash not in page.content.decode()
    response = client.post(
        "/admin/cases/apitoken/",
        {"action": "revoke_tokens", "_selected_action": [issued.token.pk]},
    )
    assert response.status_code == 302
    assert verify_token(issued.secret) is None
