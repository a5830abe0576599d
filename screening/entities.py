"""FtM entity proxies on both sides of a comparison, and what a list entity is made of.

nomenklatura's algorithms compare two FtM entities; a Party becomes one here with the
property names the algorithms read (names, birth dates, countries, identifiers).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from followthemoney import EntityProxy, ValueEntity, model, registry

from screening.parties import Party, UnscreenableParty

# The schemata screened: a party is a person or a legal entity, so only those list
# entities can ever match one. Others in an FtM export (sanctions, addresses, ownerships,
# vessels) are skipped by the loader.
SCREENED_SCHEMA = "LegalEntity"


def is_screened(entity: EntityProxy) -> bool:
    return entity.schema.is_a(SCREENED_SCHEMA)


def party_entity(party: Party) -> EntityProxy:
    """The party as an FtM entity of its schema, cleaned as the list side is.

    Its id is derived from its content: nomenklatura memoises name analysis per entity id
    (an entity hashes by id alone), so two different parties must never share one.
    """
    schema = model.get(party.schema)
    if schema is None or not schema.is_a(SCREENED_SCHEMA):
        raise UnscreenableParty(f"party {party.key}: cannot screen schema {party.schema!r}")
    entity = model.make_entity(schema)
    entity.add("name", party.names, quiet=True)
    if not entity.get("name"):
        raise UnscreenableParty(f"party {party.key}: no name to screen")
    entity.add("country", [country.lower() for country in party.countries], quiet=True)
    if schema.is_a("Person"):
        entity.add("birthDate", party.birth_dates, quiet=True)
        entity.add("idNumber", party.identifiers, quiet=True)
    else:
        entity.add("registrationNumber", party.identifiers, quiet=True)
    entity.id = f"query-{content_hash(entity)}"
    return entity


def stored_entity(schema: str, properties: dict[str, list[str]], digest: str) -> EntityProxy:
    """A list entity revision back from its stored FtM properties (cleaned at load).

    Its id is the revision's content hash, not the list's entity id, for the reason
    `party_entity` gives: a changed entity must not be scored with its old names.
    """
    data = {"id": f"entity-{digest}", "schema": schema, "properties": properties}
    return ValueEntity.from_dict(data)


def content_hash(entity: EntityProxy) -> str:
    """sha256 of the entity's schema and properties, independent of value order.

    Two loads of an unchanged entity give the same hash, so the delta sees no change;
    whitelisting compares it to decide whether an entity changed since it was cleared.
    """
    canonical = {
        "schema": entity.schema.name,
        "properties": {prop: sorted(values) for prop, values in entity.properties.items()},
    }
    return hashlib.sha256(orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)).hexdigest()


def type_values(entity: EntityProxy, type_name: str) -> tuple[str, ...]:
    """All values of one FtM property type (name, date, country, ...), deduplicated."""
    values = entity.get_type_values(registry.get(type_name), matchable=True)
    return tuple(dict.fromkeys(values))


def summary(entity: EntityProxy) -> dict[str, Any]:
    """What a hit shows an analyst about a list entity."""
    return {
        "schema": entity.schema.name,
        "caption": entity.caption,
        "names": type_values(entity, "name"),
        "birth_dates": tuple(entity.get("birthDate", quiet=True)),
        "countries": type_values(entity, "country"),
        "topics": tuple(entity.get("topics", quiet=True)),
    }
