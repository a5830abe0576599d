"""Scoring a candidate against a party with nomenklatura's algorithms (the ones yente serves)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.metadata import version as package_version
from typing import Any

from followthemoney import EntityProxy
from nomenklatura.matching import get_algorithm
from nomenklatura.matching.types import ScoringAlgorithm, ScoringConfig

from screening.entities import stored_entity, summary
from screening.parties import Hit

SCORE_DIGITS = 4


class UnknownAlgorithm(ValueError):
    """A dataset names a scoring algorithm nomenklatura does not have."""


@cache
def algorithm_version() -> str:
    """nomenklatura's version: a screening result names the code that scored it."""
    return package_version("nomenklatura")


@dataclass(frozen=True)
class Scorer:
    """One algorithm with its default configuration, as yente runs it."""

    name: str
    algorithm: type[ScoringAlgorithm]

    @classmethod
    def named(cls, name: str) -> Scorer:
        algorithm = get_algorithm(name)
        if algorithm is None:
            raise UnknownAlgorithm(f"no matching algorithm named {name!r}")
        return cls(name, algorithm)

    def config(self) -> ScoringConfig:
        return self.algorithm.default_config()

    def hit(
        self,
        query: EntityProxy,
        revision: dict[str, Any],
        dataset: str,
        threshold: float,
        config: ScoringConfig,
    ) -> Hit | None:
        """The candidate as a Hit when it scores at or above `threshold`, else None."""
        entity = stored_entity(revision["schema"], revision["properties"], revision["content_hash"])
        result = self.algorithm.compare(query, entity, config)
        score = round(result.score, SCORE_DIGITS)
        if score < threshold:
            return None
        features = {
            name: round(feature.score, SCORE_DIGITS)
            for name, feature in result.explanations.items()
            if feature.score
        }
        return Hit(
            entity_id=revision["entity_id"],
            dataset=dataset,
            score=score,
            features=features,
            entity_hash=revision["content_hash"],
            **summary(entity),
        )
