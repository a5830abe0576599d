"""Reading an FtM entity file: line by line, one batch at a time, in constant memory.

Entities are built with followthemoney's model (`ValueEntity.from_dict`, values cleaned as
untrusted input); a line that is no entity stops the load with its line number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import orjson
from followthemoney import EntityProxy, ValueEntity
from followthemoney.exc import FollowTheMoneyException

from screening.sources import LocalFile

BATCH = 500
Progress = Callable[[int, int], None]


class InvalidListFile(ValueError):
    """The file is not a list of FtM entities; nothing of it was made current."""


def read_entities(file: LocalFile, on_progress: Progress | None) -> Iterator[EntityProxy]:
    """The file's entities, in file order; InvalidListFile names a bad line."""
    done = 0
    with file.path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            done += len(line)
            if on_progress is not None and number % BATCH == 0:
                on_progress(done, file.size)
            if not line.strip():
                continue
            try:
                entity = ValueEntity.from_dict(orjson.loads(line), cleaned=False)
            except (
                orjson.JSONDecodeError,
                FollowTheMoneyException,
                AttributeError,
                TypeError,
            ) as exc:
                raise InvalidListFile(f"line {number}: not an FtM entity ({exc})") from exc
            if not entity.id:
                raise InvalidListFile(f"line {number}: entity without an id")
            yield entity
    if on_progress is not None:
        on_progress(file.size, file.size)


def batches(entities: Iterator[EntityProxy]) -> Iterator[list[EntityProxy]]:
    """Entities in lists of BATCH: one read and one bulk write per list, not per entity."""
    batch: list[EntityProxy] = []
    for entity in entities:
        batch.append(entity)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
