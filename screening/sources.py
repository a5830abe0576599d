"""Where a list file comes from: a local path or an http(s) URL, with its sha256.

The checksum decides whether a load writes anything (the same file twice is one version),
so it is known before the first entity is read: a local file is hashed in one streaming
pass, a URL is streamed once to a temporary file while being hashed. Memory stays constant
either way.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings

CHUNK_BYTES = 1 << 20


class SourceUnavailable(RuntimeError):
    """The file could not be read or fetched; nothing was loaded."""


@dataclass(frozen=True)
class LocalFile:
    """A list file on local disk, with the checksum of its bytes and where it came from."""

    path: Path
    sha256: str
    size: int
    source: str  # what a version records: the path, or the URL without credentials or query


def is_url(location: str) -> bool:
    return urlsplit(location).scheme in ("http", "https")


def public_source(location: str) -> str:
    """The location without user, password, query or fragment (they may hold secrets)."""
    if not is_url(location):
        return location
    parts = urlsplit(location)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _download(url: str, target: Path) -> tuple[str, int]:
    """Stream `url` into `target`, hashing on the way; SourceUnavailable on any failure."""
    digest = hashlib.sha256()
    size = 0
    timeout = (settings.DEFAULT_HTTP_TIMEOUT, settings.DEFAULT_HTTP_TIMEOUT * 6)
    try:
        with requests.get(url, stream=True, timeout=timeout) as response:
            response.raise_for_status()
            with target.open("wb") as handle:
                for chunk in response.iter_content(CHUNK_BYTES):
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
    except requests.RequestException as exc:
        raise SourceUnavailable(
            f"could not fetch {public_source(url)}: {type(exc).__name__}"
        ) from exc
    return digest.hexdigest(), size


@contextmanager
def local_copy(location: str) -> Iterator[LocalFile]:
    """The file at `location` (path or URL) on local disk, hashed; a download is removed
    on exit."""
    if not is_url(location):
        path = Path(location)
        try:
            sha256, size = _hash_file(path)
        except OSError as exc:
            raise SourceUnavailable(f"cannot read {location}: {exc.strerror}") from exc
        yield LocalFile(path, sha256, size, public_source(location))
        return
    with tempfile.TemporaryDirectory(prefix="watchlist-") as folder:
        target = Path(folder) / "entities.ftm.json"
        sha256, size = _download(location, target)
        yield LocalFile(target, sha256, size, public_source(location))
