"""ApiToken: a service's bearer credential for the REST API; only a hash of its secret is kept."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A named credential acting for its owner, never with more permissions than the owner.

    The presented token is `<key_id>.<secret>`: `key_id` finds the row through a unique index,
    `secret_hash` (SHA-256 of the secret) proves it. The secret itself is shown once, at creation.
    """

    name = models.CharField(max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires")
    revoked = models.BooleanField(default=False)

    class Meta:
        db_table = "api_tokens"
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="api_token_owner")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"
