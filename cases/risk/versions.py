"""Risk model versions: reading the current one as plain data, and saving an edit as a new one.

A version is never updated in place (SPEC §3d): `save_new_version` inserts the next version
number (unique, so two leads saving at once cannot both take it) and then moves `is_current`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError
from django.utils import timezone

from cases.core.errors import InvalidCommand, NotFound
from cases.models import RiskModel
from cases.risk.rating import LEVELS, RiskModelData

__all__ = [
    "DEFAULT_MODEL",
    "EDITABLE",
    "current_model",
    "current_model_or_none",
    "model_data",
    "save_new_version",
    "seed_risk_model",
]

# Version 1, seeded by migration 0023. The lists are ILLUSTRATIVE (for tests and the demo), no
# statement about any country or sector: an operator replaces them with its own in the admin.
DEFAULT_MODEL = {
    "version": 1,
    "name": "Default risk model (illustrative)",
    "created_by": "system",
    "factors": {
        "country_medium": 10,
        "country_high": 30,
        "country_prohibited": 100,
        "sector_medium": 10,
        "sector_high": 30,
        "sector_prohibited": 100,
        "case_type_medium": 10,
        "case_type_high": 60,
        "screening_sanction": 100,
        "screening_pep": 60,
        "screening_adverse": 25,
        "owners_without_ubo": 15,
        "ownership_layer": 10,
        "unknown_ownership_per_10pct": 5,
    },
    "thresholds": {"MEDIUM": 20, "HIGH": 60, "PROHIBITED": 100},
    "country_lists": {
        "prohibited": ["KP"],
        "high": ["IR", "MM", "SY", "YE"],
        "medium": ["AE", "KY", "PA", "VG"],
    },
    "sector_risk": {
        "arms trade": "PROHIBITED",
        "gambling": "HIGH",
        "crypto assets": "HIGH",
        "money services": "HIGH",
        "precious metals": "HIGH",
        "fintech": "MEDIUM",
        "real estate": "MEDIUM",
    },
    "case_type_risk": {"ENHANCED_DUE_DILIGENCE": "HIGH"},
}


def seed_risk_model(model: Any) -> bool:
    """Insert version 1 as current unless a model exists; True when it was inserted."""
    if model.objects.exists():
        return False
    model.objects.create(is_current=True, created_at=timezone.now(), **DEFAULT_MODEL)
    return True


EDITABLE = ("name", "factors", "thresholds", "country_lists", "sector_risk", "case_type_risk")


def model_data(row: RiskModel) -> RiskModelData:
    return RiskModelData(
        version=row.version,
        factors=dict(row.factors or {}),
        thresholds=dict(row.thresholds or {}),
        country_lists={k: list(v) for k, v in (row.country_lists or {}).items()},
        sector_risk=dict(row.sector_risk or {}),
        case_type_risk=dict(row.case_type_risk or {}),
    )


def current_model_or_none() -> RiskModelData | None:
    """The current version (one indexed read; callers load it once per batch)."""
    row = RiskModel.objects.filter(is_current=True).order_by("-version").first()
    return model_data(row) if row is not None else None


def current_model() -> RiskModelData:
    model = current_model_or_none()
    if model is None:
        raise NotFound("no current risk model: run `manage.py migrate` (0023 seeds version 1)")
    return model


def validate(values: Mapping[str, Any]) -> None:
    """Refuse a model the rating cannot use, naming the field."""
    thresholds = values.get("thresholds") or {}
    for level, cut in thresholds.items():
        if level not in LEVELS[1:] or not isinstance(cut, int | float):
            raise InvalidCommand(
                f"thresholds: {level!r} must be MEDIUM, HIGH or PROHIBITED → number"
            )
    cuts = [thresholds[level] for level in LEVELS[1:] if level in thresholds]
    if cuts != sorted(cuts):
        raise InvalidCommand("thresholds must rise: MEDIUM ≤ HIGH ≤ PROHIBITED")
    for name, points in (values.get("factors") or {}).items():
        if not isinstance(points, int | float):
            raise InvalidCommand(f"factors: {name!r} must be a number of points")
    for key in values.get("country_lists") or {}:
        if key not in ("medium", "high", "prohibited"):
            raise InvalidCommand(f"country_lists: {key!r} must be medium, high or prohibited")
    for field in ("sector_risk", "case_type_risk"):
        for key, tier in (values.get(field) or {}).items():
            if tier not in LEVELS[1:]:
                raise InvalidCommand(f"{field}: {key!r} must map to MEDIUM, HIGH or PROHIBITED")


def save_new_version(changes: Mapping[str, Any], by: str) -> RiskModel:
    """A copy of the current version with `changes`, saved as the next version and made current."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidCommand(f"not editable: {', '.join(sorted(unknown))}")
    base = RiskModel.objects.filter(is_current=True).order_by("-version").first()
    values = {field: getattr(base, field) for field in EDITABLE} if base else {}
    values.update(changes)
    validate(values)
    last = RiskModel.objects.order_by("-version").values_list("version", flat=True).first() or 0
    try:
        row = RiskModel.objects.create(
            version=last + 1, created_by=by, created_at=timezone.now(), is_current=True, **values
        )
    except IntegrityError as exc:
        raise InvalidCommand(f"version {last + 1} was just saved by someone else; retry") from exc
    RiskModel.objects.exclude(pk=row.pk).filter(is_current=True).update(is_current=False)
    return row
