"""API tokens: issue, verify and revoke the bearer credentials of services (SPEC §7).

Only a SHA-256 of the secret is stored: the secret is 32 random bytes, so a fast hash is as safe
as a slow one and keeps every API call cheap. Verification compares digests in constant time and
treats an unknown, revoked or expired token, or an inactive owner, alike (None), so a caller
learns nothing about which tokens exist.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from cases.core.errors import InvalidCommand, NotFound
from cases.models import ApiToken

__all__ = ["IssuedToken", "issue_token", "revoke_token", "verify_token"]

# last_used_at is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the full `<key_id>.<secret>` value; shown once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_token(
    owner: AbstractBaseUser, name: str, *, expires_days: int | None = None
) -> IssuedToken:
    """Create a token for `owner`; the returned secret cannot be recovered later."""
    name = name.strip()
    if not name:
        raise InvalidCommand("a token needs a name")
    if expires_days is not None and expires_days <= 0:
        raise InvalidCommand("expires_days must be a positive number of days")
    now = timezone.now()
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        owner=owner,
        key_id=key_id,
        secret_hash=_digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    return IssuedToken(token=token, secret=f"{key_id}.{secret}")


def verify_token(presented: str) -> ApiToken | None:
    """The live token matching `presented`, with its owner loaded; None for anything else."""
    key_id, _, secret = presented.strip().partition(".")
    if not key_id or not secret:
        return None
    token = ApiToken.objects.select_related("owner").filter(key_id=key_id).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(secret)):
        return None
    now = timezone.now()
    if token.revoked or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not token.owner.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke_token(key_id: str) -> ApiToken:
    """Revoke for good (idempotent); a revoked token is refused from the next request on."""
    token = ApiToken.objects.filter(key_id=key_id).first()
    if token is None:
        raise NotFound(f"API token {key_id} not found")
    if not token.revoked:
        ApiToken.objects.filter(pk=token.pk).update(revoked=True)
        token.revoked = True
    return token
