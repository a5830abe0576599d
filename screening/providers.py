"""Where screening results come from: the local matcher, behind a protocol.

A deployment that already runs yente could answer through its `/match` API instead; that
adapter is not built here (there is no yente to test it against). It would implement
`Provider` and be chosen per dataset.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from screening import blocking
from screening.datasets import DatasetSnapshot
from screening.entities import party_entity
from screening.keys import entity_keys
from screening.matching import Scorer, algorithm_version
from screening.parties import Hit, Party, PartyScreening


class Provider(Protocol):
    def screen(
        self,
        parties: Sequence[Party],
        dataset: DatasetSnapshot,
        only_entities: Collection[str] | None = None,
    ) -> list[PartyScreening]:
        """One PartyScreening per party against `dataset` (restricted to `only_entities`)."""
        ...


class LocalMatcher:
    """Blocking on the database's key index, scoring with nomenklatura, in this process."""

    def screen(
        self,
        parties: Sequence[Party],
        dataset: DatasetSnapshot,
        only_entities: Collection[str] | None = None,
    ) -> list[PartyScreening]:
        scorer = Scorer.named(dataset.algorithm)
        config = scorer.config()
        if only_entities is not None:
            index = blocking.KeyIndex(
                dataset.name, blocking.revisions_of(dataset.name, dataset.sequence, only_entities)
            )
            find = index.candidates
        else:

            def find(keys: Sequence[str]) -> list[dict]:
                return blocking.candidates(dataset.name, dataset.sequence, keys, dataset.version)

        results = []
        for party in parties:
            query = party_entity(party)
            hits: list[Hit] = []
            for revision in find(entity_keys(query)):
                hit = scorer.hit(query, revision, dataset.name, dataset.threshold, config)
                if hit is not None:
                    hits.append(hit)
            hits.sort(key=lambda hit: (-hit.score, hit.entity_id))
            results.append(
                PartyScreening(
                    party_key=party.key,
                    dataset=dataset.name,
                    version=dataset.version,
                    algorithm=scorer.name,
                    algorithm_version=algorithm_version(),
                    threshold=dataset.threshold,
                    hits=tuple(hits),
                )
            )
        return results
