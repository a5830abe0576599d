"""Blocking keys: the cheap, indexed first pass that finds candidates for a name.

Both sides get their keys from the same function, at load time for list entities and at
screening time for the party, so whatever makes two names share a key is symmetric. Names
go through followthemoney's `entity_names` (rigour's analysis: prefixes stripped, legal
forms tagged, scripts normalised); each remaining part gives
- `n:<token>`: the part transliterated to ASCII (Cyrillic, Arabic, CJK, diacritics), and
- `m:<metaphone>`: its Metaphone code, so spelling variants of a sound share a key, and
- `s:<symbol>`: the name and nickname symbols rigour's tagger gives a part (Wikidata ids
  of given and family names, "BOB" for Robert), which join one name across scripts
  ("محمد" and "Mohammed") where transliteration alone does not.
Legal forms ("Ltd", "GmbH") and stop words give none: they would pull in half a list.

Stored keys are scoped by their dataset ("sanctions:n:john", `scoped_keys`), so one
single-field index finds a key within one list without walking every entry of that list
(a compound (dataset, keys) index reads the whole `dataset` term on DocumentDB's RUM indexes).
"""

from __future__ import annotations

from collections.abc import Iterable

from followthemoney import EntityProxy
from followthemoney.names import entity_names
from rigour.names import Name, NamePartTag, SymbolCategory
from rigour.text import ascii_text, metaphone

PART_PREFIX = "n:"
PHONETIC_PREFIX = "m:"
SYMBOL_PREFIX = "s:"
# Shorter tokens and codes match too much of a list to narrow anything down.
MIN_TOKEN_LENGTH = 2
MIN_PHONETIC_LENGTH = 2
_UNKEYED_TAGS = frozenset({NamePartTag.LEGAL, NamePartTag.STOP})
# Symbols that identify a name; org classes, domains and numbers are shared by too many.
_KEYED_SYMBOLS = frozenset({SymbolCategory.NAME, SymbolCategory.NICK})


def scoped_keys(dataset: str, keys: Iterable[str]) -> list[str]:
    """Keys as stored and queried: each prefixed with its dataset, "<dataset>:<key>"."""
    return [f"{dataset}:{key}" for key in keys]


def token_keys(token: str) -> set[str]:
    """The keys of one name part: its ASCII tokens and their Metaphone codes."""
    keys: set[str] = set()
    for word in ascii_text(token).lower().split():
        word = "".join(ch for ch in word if ch.isalnum())
        if len(word) < MIN_TOKEN_LENGTH:
            continue
        keys.add(PART_PREFIX + word)
        if word.isalpha():
            code = metaphone(word)
            if len(code) >= MIN_PHONETIC_LENGTH:
                keys.add(PHONETIC_PREFIX + code)
    return keys


def name_keys(names: Iterable[Name]) -> set[str]:
    """The keys of analysed names, skipping legal forms and stop words."""
    keys: set[str] = set()
    for name in names:
        for part in name.parts:
            if part.tag not in _UNKEYED_TAGS:
                keys |= token_keys(part.comparable)
        for span in name.spans:
            # A symbol on a lone letter ("J" as a name) would join every such initial.
            if span.symbol.category in _KEYED_SYMBOLS and len(span.comparable) >= MIN_TOKEN_LENGTH:
                keys.add(f"{SYMBOL_PREFIX}{span.symbol.id}")
    return keys


def entity_keys(entity: EntityProxy) -> list[str]:
    """Sorted blocking keys of an FtM entity (a list entity or a party made into one).

    `consolidate=False` keeps short names next to longer ones, as indexers should, so
    "John Smith" still finds "John K Smith".
    """
    names = entity_names(entity, consolidate=False, phonetics=False)
    return sorted(name_keys(names))
