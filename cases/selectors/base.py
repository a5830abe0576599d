"""What every selector module shares: a single read by primary key that raises NotFound."""

from __future__ import annotations

import uuid

from django.db.models import Model

from cases.core.errors import NotFound


def get_by_pk(model: type[Model], pk: uuid.UUID | str, label: str) -> Model:
    """The instance, or NotFound naming `label` (a malformed id is not found either)."""
    try:
        key = pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk))
    except ValueError:
        raise NotFound(f"{label} {pk} not found") from None
    instance = model.objects.filter(pk=key).first()
    if instance is None:
        raise NotFound(f"{label} {pk} not found")
    return instance
