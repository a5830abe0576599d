"""The FerretDB adapter's bulk replacement by id (casemgmt_project/mongodb_engine/ferretdb.py)."""

import threading

import pytest
from django.db import connections
from pymongo import ReplaceOne

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
