"""The FerretDB adapter's bulk replacement by id (casemgmt_project/mongodb_engine/ferretdb.py)."""

import threading

import pytest
from django.db import connections
from pymongo import ReplaceOne, UpdateOne

from tests.integration.test_command_count import counter  # noqa: F401 (fixture)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_replacing_one_document_in_bulk_never_hides_it_from_a_concurrent_reader():
    collection = connections["default"].get_collection("adapter_replace_probe")
    collection.insert_one({"_id": "case-1", "version": 0})
    done, misses, reads = threading.Event(), [], [0]

    def reader() -> None:
        while not done.is_set():
            reads[0] += 1
            if collection.find_one({"_id": "case-1"}) is None:
                misses.append(reads[0])

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for version in range(1, 41):
            collection.bulk_write([ReplaceOne({"_id": "case-1"}, {"version": version})])
    finally:
        done.set()
        thread.join(30)
        connections["default"].close()

    assert collection.find_one({"_id": "case-1"})["version"] == 40
    assert reads[0] > 10 and misses == []


def test_an_update_of_documents_the_caller_holds_skips_the_read_and_stores_the_same(counter):  # noqa: F811
    from casemgmt_project.mongodb_engine.ferretdb import FerretDBCollection

    collection = connections["default"].get_collection("adapter_known_probe")
    if not isinstance(collection, FerretDBCollection):
        pytest.skip("the hint exists only in the FerretDB adapter")
    stored = [{"_id": f"n-{i}", "status": "PENDING", "attempts": 0} for i in range(3)]
    collection.insert_many([dict(doc) for doc in stored])
    updates = [UpdateOne({"_id": d["_id"]}, {"$set": {"status": "DELIVERED"}}) for d in stored]
    updates.append(UpdateOne({"_id": "n-absent"}, {"$set": {"status": "DELIVERED"}}))

    counter.active = True
    result = collection.bulk_write(updates, known_documents=stored[:2])
    counter.active = False

    assert counter.counts[("find", "adapter_known_probe")] == 1  # only for the one not held
    assert result.matched_count == 3
    assert sorted(collection.find(), key=lambda d: d["_id"]) == [
        {**doc, "status": "DELIVERED"} for doc in stored
    ]
