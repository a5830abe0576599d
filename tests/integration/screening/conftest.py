"""Tiny FtM list files written to tmp_path and loaded through the real loader."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
import pytest

from screening import frequencies
from screening.loading import LoadResult, load_watchlist


def entity(entity_id: str, schema: str = "Person", **properties: Any) -> dict[str, Any]:
    """One FtM entity as a list file holds it; property values may be given as one string."""
    values = {
        name: [value] if isinstance(value, str) else list(value)
        for name, value in properties.items()
    }
    return {"id": entity_id, "schema": schema, "properties": values}


def write_list(path: Path, entities: Iterable[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(item) + b"\n" for item in entities))
    return path


@pytest.fixture
def load_list(tmp_path: Path) -> Callable[..., LoadResult]:
    """load_list(dataset, entities, name=...) writes the entities as a file and loads it."""

    def load(dataset: str, entities: Iterable[dict[str, Any]], name: str = "list") -> LoadResult:
        path = write_list(tmp_path / f"{dataset}-{name}.ftm.json", entities)
        return load_watchlist(dataset, str(path))

    return load


@pytest.fixture(autouse=True)
def forget_key_counts() -> None:
    """Key counts are kept per process and version; each test's database starts empty."""
    frequencies.forget()
