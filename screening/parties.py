"""The plain data that crosses the seam between screening and its callers.

Frozen dataclasses of primitives, so a caller can store them in its own events
(`dataclasses.asdict`) without holding on to anything of this app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class UnscreenableParty(ValueError):
    """A party that cannot be screened: no usable name, or a schema that is not a party.

    Refused rather than reported as "no hits", which would read as a clean result.
    """


@dataclass(frozen=True)
class Party:
    """Someone to screen: a person, a company or any legal entity, in FtM terms."""

    key: str  # the caller's id for the party (e.g. "person:<uuid>"), opaque here
    schema: str  # FtM schema: "Person", "Company", "Organization", "LegalEntity"
    names: tuple[str, ...]
    birth_dates: tuple[str, ...] = ()  # ISO dates or prefixes ("1971", "1971-04")
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2, lower or upper case
    identifiers: tuple[str, ...] = ()  # registration numbers, passport numbers


@dataclass(frozen=True)
class Hit:
    """One list entity that scored at or above the dataset's threshold for a party."""

    entity_id: str
    dataset: str
    schema: str
    caption: str
    names: tuple[str, ...]
    birth_dates: tuple[str, ...]
    countries: tuple[str, ...]
    topics: tuple[str, ...]  # FtM topics: "sanction", "role.pep", "crime", ...
    score: float
    features: dict[str, float]  # the algorithm's feature scores that made the match
    entity_hash: str  # content hash of the list entity (whitelisting compares it)


@dataclass(frozen=True)
class PartyScreening:
    """The outcome of screening one party against one dataset's current version."""

    party_key: str
    dataset: str
    version: str  # the WatchlistVersion's version label
    algorithm: str  # e.g. "logic-v2"
    algorithm_version: str  # nomenklatura's version
    threshold: float
    hits: tuple[Hit, ...]  # empty tuple = screened, nothing above the threshold


@dataclass(frozen=True)
class WatchlistVersionInfo:
    """One loaded version of a dataset, for pages and the API (`GET /watchlists`)."""

    dataset: str
    version: str
    sequence: int
    source: str
    sha256: str
    loaded_at: datetime
    entity_count: int
    added: int
    changed: int
    removed: int


@dataclass(frozen=True)
class WatchlistInfo:
    """A dataset, its matching settings and its current version."""

    dataset: str
    title: str
    algorithm: str
    threshold: float
    current_version: str
    versions: tuple[WatchlistVersionInfo, ...]  # newest first, at most the last few
