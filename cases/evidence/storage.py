"""The evidence storage adapter: a Django `Storage` over MongoDB GridFS (SPEC §5a).

Selected through `STORAGES["evidence"]`, so another backend is a settings change; callers get
it from `evidence_storage()` and use only the Storage API. Files live in a GridFS bucket
(`evidence.files`, `evidence.chunks`, the layout of the GridFS specification, readable by any
driver's GridFS) in the read models' database: nothing more to run.

Memory stays bounded by a few chunks, whatever the file's size. The writer inserts chunks as
they fill (pymongo's own upload stream buffers up to 48 MB of chunks before its first insert,
so a 25 MB upload would sit whole in memory) and the file document last, so a reader never
sees a file whose chunks are still coming; a write that fails half-way, or whose reader raises
(the size limit), removes the chunks it inserted. The reader fetches a few chunks per round
trip, in order, and seeks without reading what it skips (byte ranges).
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

from bson import Binary, ObjectId
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.deconstruct import deconstructible
from pymongo import ASCENDING

__all__ = ["GridFSReader", "GridFSStorage", "evidence_storage"]

DEFAULT_CHUNK_BYTES = 255 * 1024  # GridFS's own default chunk size
WRITE_BATCH_CHUNKS = 4  # chunks per insert: ~1 MiB a round trip, ~1 MiB held at most
# Chunks per cursor batch when reading in order: 8 x 255 KiB = 2 MiB a round trip and held at
# most. Measured interleaved in one process on FerretDB (20 MiB, median of 7), against plain
# GridFS: 4 chunks 0.86-0.89, 8 chunks 0.94-0.96, 16 chunks 0.77-0.80 (larger batches cost the
# server more than the round trips they save).
READ_BATCH_CHUNKS = 8


def evidence_storage() -> Storage:
    """The configured evidence storage (`STORAGES["evidence"]`)."""
    return storages["evidence"]


@deconstructible(path="cases.evidence.storage.GridFSStorage")
class GridFSStorage(Storage):
    """Django storage over a GridFS bucket of the database behind `database_alias`.

    Names are GridFS filenames; evidence is immutable, and `get_available_name` keeps a second
    save of a name from replacing the first.
    """

    def __init__(
        self,
        bucket_name: str = "evidence",
        database_alias: str = DEFAULT_DB_ALIAS,
        chunk_size_bytes: int = DEFAULT_CHUNK_BYTES,
    ):
        self.bucket_name = bucket_name
        self.database_alias = database_alias
        self.chunk_size_bytes = chunk_size_bytes
        self._indexed: set[str] = set()

    # --- collections ---------------------------------------------------------------------------

    def database(self) -> Any:
        connection = connections[self.database_alias]
        connection.ensure_connection()
        return connection.database

    def files_collection(self) -> Any:
        return self.database()[f"{self.bucket_name}.files"]

    def chunks_collection(self) -> Any:
        return self.database()[f"{self.bucket_name}.chunks"]

    def ensure_indexes(self) -> None:
        """The two indexes of the GridFS specification (idempotent; once per process and
        database, as the drivers do before their first write)."""
        database = self.database()
        if database.name in self._indexed:
            return
        self.files_collection().create_index(
            [("filename", ASCENDING), ("uploadDate", ASCENDING)], name="filename_1_uploadDate_1"
        )
        self.chunks_collection().create_index(
            [("files_id", ASCENDING), ("n", ASCENDING)], name="files_id_1_n_1", unique=True
        )
        self._indexed.add(database.name)

    def _file_doc(self, name: str) -> dict[str, Any] | None:
        """The latest file of that name (GridFS allows several; evidence writes one)."""
        return self.files_collection().find_one(
            {"filename": name}, sort=[("uploadDate", -1), ("_id", -1)]
        )

    def _require(self, name: str) -> dict[str, Any]:
        document = self._file_doc(name)
        if document is None:
            raise FileNotFoundError(f"no stored file named {name!r}")
        return document

    # --- Storage API ---------------------------------------------------------------------------

    def _save(self, name: str, content: File) -> str:
        self.ensure_indexes()
        chunks = self.chunks_collection()
        files_id, size, number = ObjectId(), self.chunk_size_bytes, 0
        pending: bytearray = bytearray()
        batch: list[dict[str, Any]] = []
        length = 0

        def flush(force: bool = False) -> None:
            if batch and (force or len(batch) >= WRITE_BATCH_CHUNKS):
                chunks.insert_many(batch, ordered=True)
                batch.clear()

        try:
            for piece in content.chunks(size):
                length += len(piece)
                pending += piece
                while len(pending) >= size:
                    batch.append(
                        {"files_id": files_id, "n": number, "data": Binary(pending[:size])}
                    )
                    del pending[:size]
                    number += 1
                    flush()
            if pending:
                batch.append({"files_id": files_id, "n": number, "data": Binary(bytes(pending))})
            flush(force=True)
            now = datetime.now(UTC)
            self.files_collection().insert_one(
                {
                    "_id": files_id,
                    "length": length,
                    "chunkSize": size,
                    "uploadDate": now.replace(microsecond=now.microsecond // 1000 * 1000),
                    "filename": name,
                    "metadata": {},
                }
            )
        except BaseException:
            chunks.delete_many({"files_id": files_id})  # no orphan chunk is left behind
            raise
        return name

    def _open(self, name: str, mode: str = "rb") -> File:
        if set(mode) - {"r", "b"}:
            raise ValueError("evidence is immutable: files are opened for reading only")
        document = self._require(name)
        reader = GridFSReader(self.chunks_collection(), document)
        return File(io.BufferedReader(reader, buffer_size=int(document["chunkSize"])), name=name)

    def exists(self, name: str) -> bool:
        return self.files_collection().count_documents({"filename": name}, limit=1) > 0

    def delete(self, name: str) -> None:
        """Remove every stored file of that name: its file document first (so no reader finds
        it any more), then its chunks. A missing name is no error."""
        files = self.files_collection()
        for document in files.find({"filename": name}, {"_id": 1}):
            files.delete_one({"_id": document["_id"]})
            self.chunks_collection().delete_many({"files_id": document["_id"]})

    def size(self, name: str) -> int:
        return int(self._require(name)["length"])

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        """Names under `path/` (one level): (directories, files)."""
        prefix = f"{path.rstrip('/')}/" if path else ""
        directories, names = set(), set()
        query = {"filename": {"$regex": f"^{re.escape(prefix)}"}} if prefix else {}
        for document in self.files_collection().find(query, {"filename": 1}):
            head, slash, _ = document["filename"][len(prefix) :].partition("/")
            (directories if slash else names).add(head)
        return sorted(directories), sorted(names)

    def get_created_time(self, name: str) -> datetime:
        uploaded = self._require(name)["uploadDate"]
        return uploaded.replace(tzinfo=UTC) if uploaded.tzinfo is None else uploaded

    get_modified_time = get_created_time
    get_accessed_time = get_created_time

    def url(self, name: str | None) -> str:
        raise NotImplementedError(
            "evidence has no public URL: the app serves it (GET /api/v1/documents/{id}/files/{v})"
        )


class GridFSReader(io.RawIOBase):
    """A stored file read in order through the (files_id, n) index, a few chunks per round
    trip (`READ_BATCH_CHUNKS`); a seek elsewhere starts a new cursor at its chunk."""

    def __init__(self, chunks: Any, document: dict[str, Any]):
        super().__init__()
        self._chunks = chunks
        self._id = document["_id"]
        self._length = int(document["length"])
        self._chunk_size = int(document["chunkSize"])
        self._position = 0
        self._cached: tuple[int, bytes] | None = None
        self._cursor: Any = None
        self._cursor_next = -1  # the chunk number the open cursor yields next

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def _chunk(self, number: int) -> bytes:
        if self._cached is not None and self._cached[0] == number:
            return self._cached[1]
        if self._cursor is None or self._cursor_next != number:
            self._close_cursor()
            self._cursor = (
                self._chunks.find(
                    {"files_id": self._id, "n": {"$gte": number}}, {"data": 1, "n": 1}
                )
                .sort("n", ASCENDING)
                .batch_size(READ_BATCH_CHUNKS)
            )
        found = next(self._cursor, None)
        if found is None or found["n"] != number:
            raise OSError(f"chunk {number} of stored file {self._id} is missing")
        self._cursor_next = number + 1
        self._cached = (number, bytes(found["data"]))
        return self._cached[1]

    def readinto(self, buffer: Any) -> int:
        if self._position >= self._length:
            return 0
        number, offset = divmod(self._position, self._chunk_size)
        data = memoryview(self._chunk(number))[offset:]  # a view: the chunk is not copied
        count = min(len(buffer), len(data), self._length - self._position)
        memoryview(buffer).cast("B")[:count] = data[:count]
        self._position += count
        return count

    def _close_cursor(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None

    def close(self) -> None:
        self._close_cursor()
        super().close()
