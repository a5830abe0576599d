"""A case's risk facts from plain values: the intake record at creation, the read models later.

Both paths go through `build_facts`, so a case rated at creation and re-rated from its read
models with the same model gets the same rating (and `reassess_risk` appends nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cases.risk.rating import RiskFacts

__all__ = ["OwnerFacts", "build_facts"]

# Control types that say an owner holds the company through another entity.
_INDIRECT = ("INDIRECT",)


@dataclass(frozen=True)
class OwnerFacts:
    percentage: float | None
    is_ubo: bool
    types_of_control: tuple[str, ...] = ()


def build_facts(
    *,
    case_type: str,
    traitement_type: str,
    incorporation_country: str | None = None,
    address_country: str | None = None,
    sector: str | None = None,
    owners: Sequence[OwnerFacts] = (),
    confirmed_topics: Iterable[str] = (),
) -> RiskFacts:
    countries: list[tuple[str, str]] = []
    if incorporation_country:
        countries.append(("incorporation", incorporation_country))
    if address_country:
        countries.append(("registered address", address_country))
    declared = [o.percentage for o in owners if o.percentage is not None]
    indirect = any(
        marker in control.upper()
        for owner in owners
        for control in owner.types_of_control
        for marker in _INDIRECT
    )
    return RiskFacts(
        case_type=case_type,
        traitement_type=traitement_type,
        countries=tuple(countries),
        sector=sector or None,
        confirmed_topics=tuple(sorted(set(confirmed_topics))),
        owner_count=len(owners),
        ubo_count=sum(1 for o in owners if o.is_ubo),
        declared_ownership=round(sum(declared), 4) if declared else None,
        ownership_layers=(2 if indirect else 1) if owners else None,
    )
