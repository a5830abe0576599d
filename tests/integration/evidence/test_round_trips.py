"""Evidence sends the database only the commands it needs (issue #26: throughput).

Counted with `tests.integration.command_counting`: a read that always finds nothing, or a
reader that asks for its chunks a few at a time, shows here before it shows in a benchmark.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from cases.evidence.storage import READ_BATCH_CHUNKS, GridFSStorage
from cases.models import StoredEvent
from tests.evidence_files import pdf
from tests.integration.evidence.conftest import upload

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_an_upload_without_idempotency_key_does_not_look_for_an_earlier_try(requirement, counter):
    upload(requirement.pk, pdf(), idempotency_key="warm-up")  # indexes, handshake
    events = StoredEvent._meta.db_table

    counter.active = True
    upload(requirement.pk, pdf(text="second"))
    counter.active = False

    reads = {key: n for key, n in counter.counts.items() if key[0] in {"find", "aggregate"}}
    # The one read of the event store is the read-back of the events just appended.
    assert sum(n for (_, name), n in reads.items() if name == events) == 1, reads


def test_a_file_is_read_in_batches_of_several_chunks_on_one_cursor(counter):
    storage = GridFSStorage(chunk_size_bytes=1024)
    chunk_count = 2 * READ_BATCH_CHUNKS + 3
    data = bytes(range(256)) * 4 * chunk_count
    name = storage.save("round-trips/file", ContentFile(data))
    chunks = storage.chunks_collection().name

    counter.active = True
    with storage.open(name) as stored:
        read = stored.read()
    counter.active = False

    assert read == data
    assert counter.counts[("find", chunks)] == 1, counter.counts
    assert counter.counts[("getMore", chunks)] <= chunk_count // READ_BATCH_CHUNKS, counter.counts
    storage.delete(name)
