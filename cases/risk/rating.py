"""The risk rating (SPEC §3d): a case's facts and a risk model in, a level with its reasons out.

Pure: plain data only (no ORM, clock or I/O), so every factor and combination is unit-tested
without a database, and a rating can be repeated exactly from the facts and the model version.
The score is the sum of the points of every factor that applies; the level is the highest
threshold the score reaches, except PROHIBITED, which is a knock-out: it needs one factor that
reaches the PROHIBITED threshold alone (a prohibited country or sector, a sanctions match).
Lesser factors, however many, stop at HIGH.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "LEVELS",
    "Factor",
    "Rating",
    "RiskFacts",
    "RiskModelData",
    "level_rank",
    "rate",
]

LOW, MEDIUM, HIGH, PROHIBITED = "LOW", "MEDIUM", "HIGH", "PROHIBITED"
LEVELS = (LOW, MEDIUM, HIGH, PROHIBITED)  # lowest first
_TIERS = (PROHIBITED, HIGH, MEDIUM)  # a country, sector or case type: highest tier first

# Share of the ownership that may go undeclared (holdings under the 25 % UBO threshold).
UNDECLARED_ALLOWANCE = 25.0

# FtM topics of a confirmed screening match → the factor they score.
_PEP_TOPICS = frozenset({"role.pep", "role.rca"})
_ADVERSE_TOPICS = frozenset({"crime", "reg.warn", "reg.action", "poi", "debarment"})


def level_rank(level: str | None) -> int:
    """LOW 0 … PROHIBITED 3; unrated -1."""
    return LEVELS.index(level) if level in LEVELS else -1


@dataclass(frozen=True)
class RiskModelData:
    """One version of `cases.models.RiskModel` as plain data."""

    version: int
    factors: Mapping[str, float]
    thresholds: Mapping[str, float]
    country_lists: Mapping[str, Sequence[str]] = field(default_factory=dict)
    sector_risk: Mapping[str, str] = field(default_factory=dict)
    case_type_risk: Mapping[str, str] = field(default_factory=dict)

    def country_tier(self, country: str) -> str | None:
        code = country.strip().upper()
        for tier in _TIERS:
            if code in {c.upper() for c in self.country_lists.get(tier.lower(), ())}:
                return tier
        return None

    def sector_tier(self, sector: str) -> str | None:
        tiers = {key.strip().lower(): value for key, value in self.sector_risk.items()}
        tier = tiers.get(sector.strip().lower())
        return tier if tier in _TIERS else None

    def case_type_tier(self, case_type: str) -> str | None:
        tier = self.case_type_risk.get(case_type)
        return tier if tier in _TIERS else None

    def points(self, factor: str) -> float:
        return float(self.factors.get(factor, 0) or 0)


@dataclass(frozen=True)
class RiskFacts:
    """What the rating reads of a case. Countries are (where, ISO2) pairs, e.g.
    ("incorporation", "GB"), ("person 1 residence", "FR"); the intake contract 1.0 carries the
    company's countries only, so persons contribute when a later schema names theirs."""

    case_type: str
    traitement_type: str = ""
    countries: tuple[tuple[str, str], ...] = ()
    sector: str | None = None
    confirmed_topics: tuple[str, ...] = ()
    owner_count: int = 0
    ubo_count: int = 0
    # Sum of the owners' declared percentages; None when no owner declares one.
    declared_ownership: float | None = None
    # Layers between the company and its owners when derivable (1 = held directly).
    ownership_layers: int | None = None


@dataclass(frozen=True)
class Factor:
    factor: str
    detail: str
    points: int

    def as_dict(self) -> dict[str, Any]:
        return {"factor": self.factor, "detail": self.detail, "points": self.points}


@dataclass(frozen=True)
class Rating:
    level: str
    score: int
    factors: tuple[Factor, ...]

    def factor_dicts(self) -> list[dict[str, Any]]:
        return [f.as_dict() for f in self.factors]


def _country_factors(facts: RiskFacts, model: RiskModelData) -> list[Factor]:
    """One factor per distinct listed country, at its tier, naming where it appears."""
    where: dict[str, list[str]] = {}
    for role, country in facts.countries:
        if country:
            where.setdefault(country.strip().upper(), []).append(role)
    found = []
    for country in sorted(where):
        tier = model.country_tier(country)
        if tier is not None:
            detail = f"{country} ({', '.join(where[country])}) is on the {tier.lower()} list"
            found.append(_factor(model, f"country_{tier.lower()}", detail))
    return found


def _screening_factors(facts: RiskFacts, model: RiskModelData) -> list[Factor]:
    topics = set(facts.confirmed_topics)
    found = []
    if "sanction" in topics:
        found.append(_factor(model, "screening_sanction", "confirmed sanctions match"))
    if topics & _PEP_TOPICS:
        found.append(_factor(model, "screening_pep", "confirmed PEP match"))
    adverse = sorted(t for t in topics if t in _ADVERSE_TOPICS or t.startswith("crime"))
    if adverse:
        found.append(_factor(model, "screening_adverse", f"confirmed match: {', '.join(adverse)}"))
    return found


def _structure_factors(facts: RiskFacts, model: RiskModelData) -> list[Factor]:
    """KYB ownership: owners named but none a UBO, layers beyond the first, unknown share."""
    found = []
    if facts.owner_count and not facts.ubo_count:
        found.append(
            _factor(
                model, "owners_without_ubo", f"{facts.owner_count} owner(s), none marked as UBO"
            )
        )
    if facts.ownership_layers and facts.ownership_layers > 1:
        extra = facts.ownership_layers - 1
        found.append(
            _factor(
                model,
                "ownership_layer",
                f"{facts.ownership_layers} ownership layers",
                multiple=extra,
            )
        )
    if facts.owner_count and facts.declared_ownership is not None:
        unknown = max(0.0, 100.0 - min(100.0, facts.declared_ownership))
        # Holdings under the UBO threshold need not be declared: only the rest is unexplained.
        tens = int(max(0.0, unknown - UNDECLARED_ALLOWANCE) // 10)
        if tens:
            found.append(
                _factor(
                    model,
                    "unknown_ownership_per_10pct",
                    f"{unknown:.0f}% of the ownership not declared",
                    multiple=tens,
                )
            )
    return found


def _factor(model: RiskModelData, name: str, detail: str, *, multiple: int = 1) -> Factor:
    return Factor(factor=name, detail=detail, points=round(model.points(name) * multiple))


def rate(facts: RiskFacts, model: RiskModelData) -> Rating:
    """The level, score and contributing factors (those with points) of `facts` under `model`."""
    candidates: list[Factor] = []
    candidates += _country_factors(facts, model)
    if facts.sector and (tier := model.sector_tier(facts.sector)):
        detail = f"sector {facts.sector!r} is {tier}"
        candidates.append(_factor(model, f"sector_{tier.lower()}", detail))
    if tier := model.case_type_tier(facts.case_type):
        detail = f"case type {facts.case_type} is {tier}"
        candidates.append(_factor(model, f"case_type_{tier.lower()}", detail))
    candidates += _screening_factors(facts, model)
    candidates += _structure_factors(facts, model)
    factors = tuple(f for f in candidates if f.points)
    score = sum(f.points for f in factors)
    strongest = max((f.points for f in factors), default=0)
    return Rating(level=level_for(score, model.thresholds, strongest), score=score, factors=factors)


def level_for(score: float, thresholds: Mapping[str, float], strongest: float | None = None) -> str:
    """The highest level whose threshold `score` reaches; PROHIBITED only when the strongest
    single factor (`strongest`, the score itself if not given) reaches it alone."""
    for level in (PROHIBITED, HIGH, MEDIUM):
        cut = thresholds.get(level)
        reached = strongest if level == PROHIBITED and strongest is not None else score
        if cut is not None and reached >= cut:
            return level
    return LOW
