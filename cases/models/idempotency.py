"""IdempotencyKey: which request a caller's key stands for, per operation (docs/api.md)."""

from django.db import models


class IdempotencyKey(models.Model):
    """One (caller, operation, key): its id is derived from the three, so a retry finds it
    through the primary-key index; `request_digest` is what the first request asked for."""

    id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    request_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "api_idempotency_keys"

    def __str__(self) -> str:
        return str(self.id)
