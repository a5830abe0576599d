"""The evidence storage adapter: a Django `Storage` backed by MongoDB GridFS (SPEC §5a).

Selected through `STORAGES["evidence"]`, so another backend is a settings change; callers get
it from `evidence_storage()` and use only the Storage API. Files live in the bucket
`evidence` (`evidence.files`, `evidence.chunks`) of the read models' database: nothing more to
run. Writes stream chunk by chunk (`content.chunks()` into a GridFS upload stream) and never hold
a whole file; a write that fails half-way, or whose reader raises (size limit), is aborted and
its chunks removed, so no orphan chunk is left behind. Reads return a seekable file positioned
where the caller asks (byte ranges), read a chunk at a time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from gridfs import GridFSBucket, NoFile

__all__ = ["GridFSStorage", "evidence_storage"]

DEFAULT_CHUNK_BYTES = 255 * 1024  # GridFS's own default chunk size


def evidence_storage() -> Storage:
    """The configured evidence storage (`STORAGES["evidence"]`)."""
    return storages["evidence"]


@deconstructible(path="cases.evidence.storage.GridFSStorage")
class GridFSStorage(Storage):
    """Django storage over a GridFS bucket of the database behind `database_alias`.

    Names are GridFS filenames; a name is written once (evidence is immutable), and
    `get_available_name` keeps a second save of a name from replacing the first.
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

    # --- connections ---------------------------------------------------------------------------

    def _database(self) -> Any:
        connection = connections[self.database_alias]
        connection.ensure_connection()
        return connection.database

    def _bucket(self) -> GridFSBucket:
        return GridFSBucket(
            self._database(), bucket_name=self.bucket_name, chunk_size_bytes=self.chunk_size_bytes
        )

    def _files(self) -> Any:
        return self._database()[f"{self.bucket_name}.files"]

    def _file_doc(self, name: str) -> dict[str, Any] | None:
        return self._files().find_one({"filename": name}, sort=[("uploadDate", -1)])

    # --- Storage API ---------------------------------------------------------------------------

    def _save(self, name: str, content: File) -> str:
        stream = self._bucket().open_upload_stream(name)
        try:
            for chunk in content.chunks(self.chunk_size_bytes):
                stream.write(chunk)
        except BaseException:
            stream.abort()  # removes the chunks written so far
            raise
        stream.close()
        return name

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("evidence is immutable: files are opened for reading only")
        document = self._file_doc(name)
        if document is None:
            raise FileNotFoundError(f"no stored file named {name!r}")
        grid_out = self._bucket().open_download_stream(document["_id"])
        return File(grid_out, name=name)

    def exists(self, name: str) -> bool:
        return self._files().count_documents({"filename": name}, limit=1) > 0

    def delete(self, name: str) -> None:
        """Remove every stored file of that name, chunks included; a missing name is no error."""
        bucket = self._bucket()
        for document in self._files().find({"filename": name}, {"_id": 1}):
            try:
                bucket.delete(document["_id"])
            except NoFile:
                continue  # deleted meanwhile by another caller

    def size(self, name: str) -> int:
        document = self._file_doc(name)
        if document is None:
            raise FileNotFoundError(f"no stored file named {name!r}")
        return int(document["length"])

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        """Names under `path/` (one level): (directories, files)."""
        prefix = f"{path.rstrip('/')}/" if path else ""
        directories, files = set(), set()
        query = {"filename": {"$regex": f"^{re.escape(prefix)}"}} if prefix else {}
        for document in self._files().find(query, {"filename": 1}):
            rest = document["filename"][len(prefix) :]
            head, slash, _ = rest.partition("/")
            (directories if slash else files).add(head)
        return sorted(directories), sorted(files)

    def get_created_time(self, name: str) -> datetime:
        document = self._file_doc(name)
        if document is None:
            raise FileNotFoundError(f"no stored file named {name!r}")
        uploaded = document["uploadDate"]
        return timezone.make_aware(uploaded, UTC) if timezone.is_naive(uploaded) else uploaded

    get_modified_time = get_created_time
    get_accessed_time = get_created_time

    def url(self, name: str | None) -> str:
        raise NotImplementedError(
            "evidence has no public URL: the app serves it (GET /api/v1/documents/{id}/files/{v})"
        )
