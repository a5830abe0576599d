"""The GridFS storage adapter against the real database: the Storage API, the GridFS layout
other drivers read, and memory bounded by a few chunks whatever the file's size (SPEC §5a)."""

from __future__ import annotations

import hashlib
import io
import tracemalloc

import pytest
from django.core.files.base import ContentFile
from gridfs import GridFSBucket

from cases.evidence.storage import (
    DEFAULT_CHUNK_BYTES,
    READ_BATCH_CHUNKS,
    GridFSStorage,
    evidence_storage,
)
from tests.evidence_files import pdf

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MiB = 1024 * 1024


class GeneratedStream(io.RawIOBase):
    """`size` bytes made on the fly (never held whole), with their SHA-256."""

    def __init__(self, size: int):
        super().__init__()
        self.remaining = size
        self.sha256 = hashlib.sha256()
        self.counter = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.remaining, 64 * 1024)
        if not count:
            return 0
        data = (self.counter.to_bytes(8, "big") * (count // 8 + 1))[:count]
        self.counter += 1
        memoryview(buffer)[:count] = data
        self.sha256.update(data)
        self.remaining -= count
        return count


def test_the_evidence_storage_is_chosen_by_settings():
    storage = evidence_storage()
    assert isinstance(storage, GridFSStorage)
    assert storage.bucket_name == "evidence"


def test_saved_files_use_the_gridfs_layout_and_read_back_from_any_offset():
    storage = evidence_storage()
    data = pdf(padding=600 * 1024)
    name = storage.save("case/req/a", ContentFile(data))

    assert (storage.exists(name), storage.size(name)) == (True, len(data))
    # pymongo's own GridFS reads what the adapter wrote.
    assert (
        GridFSBucket(storage.database(), "evidence").open_download_stream_by_name(name).read()
        == data
    )
    with storage.open(name) as stored:
        stored.seek(300_000)
        assert stored.read(1000) == data[300_000:301_000]
        assert stored.read() == data[301_000:]
    assert storage.listdir("case") == (["req"], [])
    assert storage.listdir("case/req") == ([], ["a"])
    # A second save of a name never replaces the first (files are immutable).
    other = storage.save("case/req/a", ContentFile(b"%PDF-other"))
    assert other != name and storage.size(name) == len(data)

    storage.delete(name)
    assert not storage.exists(name)
    assert storage.chunks_collection().count_documents({}) == 1  # only `other`'s chunk
    with pytest.raises(FileNotFoundError):
        storage.open(name)


def test_writing_and_reading_a_large_file_holds_only_a_few_chunks_in_memory():
    storage = evidence_storage()
    size = 12 * MiB
    stream = GeneratedStream(size)
    storage.database().command("ping")  # connect before measuring

    tracemalloc.start()
    try:
        name = storage.save("big/file", stream)
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest = hashlib.sha256()
        with storage.open(name) as stored:
            while data := stored.read(256 * 1024):
                digest.update(data)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert digest.hexdigest() == stream.sha256.hexdigest()
    assert storage.size(name) == size
    assert write_peak < 4 * MiB, f"writing held {write_peak / MiB:.1f} MiB"
    # A cursor batch is held twice while it is decoded (reply bytes, then documents): with
    # READ_BATCH_CHUNKS = 8 that is about 4 MiB, far below the 12 MiB file.
    batch = READ_BATCH_CHUNKS * DEFAULT_CHUNK_BYTES
    assert read_peak < 2 * batch + 2 * MiB, f"reading held {read_peak / MiB:.1f} MiB"
    print(
        f"peaks for {size / MiB:.0f} MiB: write {write_peak / MiB:.1f}, read {read_peak / MiB:.1f}"
    )
