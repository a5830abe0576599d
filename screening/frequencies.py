"""How common a blocking key is in a dataset: keys most of a list shares are left out.

A key held by a large share of a list (the symbol of a very common given name, "n:john")
cannot tell candidates apart: every holder ties on it, so ranking keeps an arbitrary few,
while the query reads them all, a cost that grows with the list. Keys held by more than
COMMON_KEY_LIMIT entities are dropped from the candidate query, as a search engine's inverse
document frequency would weigh them down; when every key of a name is that common, the
least common one is kept, so a party always has candidates.

Counts are capped (the index is read at most COMMON_KEY_LIMIT + 1 entries per key) and kept
per process for one version (dataset, sequence and label, which names the file's checksum),
so parties with common names count each key once per version. A count reads the entries of
the dataset-scoped key alone (screening.keys.scoped_keys), whatever the list's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from screening.keys import scoped_keys
from screening.models import ListEntity

COMMON_KEY_LIMIT = 1000
KEY_INDEX = "watchlist_entity_scoped_keys"
# Keys remembered per (dataset, version) before the memory is cleared.
MAX_REMEMBERED = 200_000

_counts: dict[tuple[str, int, str], dict[str, int]] = {}


def _collection() -> Any:
    return connections[DEFAULT_DB_ALIAS].get_collection(ListEntity._meta.db_table)


def capped_count(dataset: str, sequence: int, key: str, version: str = "") -> int:
    """How many stored revisions hold `key`, counted up to COMMON_KEY_LIMIT + 1."""
    remembered = _counts.setdefault((dataset, sequence, version), {})
    if key not in remembered:
        if len(remembered) >= MAX_REMEMBERED:
            remembered.clear()
        [scoped] = scoped_keys(dataset, [key])
        remembered[key] = _collection().count_documents(
            {"keys": scoped}, limit=COMMON_KEY_LIMIT + 1, hint=KEY_INDEX
        )
    return remembered[key]


def selective(dataset: str, sequence: int, keys: Sequence[str], version: str = "") -> list[str]:
    """The keys worth querying: those not more common than COMMON_KEY_LIMIT, else the
    least common one."""
    counted = {key: capped_count(dataset, sequence, key, version) for key in keys}
    kept = [key for key in keys if 0 < counted[key] <= COMMON_KEY_LIMIT]
    if kept or not counted:
        return kept
    rarest = min(keys, key=lambda key: (counted[key], key))
    return [rarest] if counted[rarest] else []


def forget() -> None:
    """Drop what this process counted (tests, whose databases are emptied between them)."""
    _counts.clear()
