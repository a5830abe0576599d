"""The FerretDB adapter's bulk replacement by id (casemgmt_project/mongodb_engine/ferretdb/)."""

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
    from casemgmt_project.mongodb_engine.ferretdb.collection import FerretDBCollection

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


def test_an_update_by_id_with_a_condition_changes_only_the_documents_that_meet_it(counter):  # noqa: F811
    """A compare-and-set by id, as the relay marks its rows: the same answer on both servers,
    and on FerretDB without one scanning update per document."""
    collection = connections["default"].get_collection("adapter_condition_probe")
    collection.insert_many(
        [
            {"_id": "free", "in_flight": None, "status": "PENDING"},
            {"_id": "free-too", "in_flight": None, "status": "PENDING"},
            {"_id": "held", "in_flight": "other-pass", "status": "PENDING"},
            {"_id": "done", "in_flight": None, "status": "DELIVERED"},
        ]
    )
    where = {"in_flight": None, "status": {"$ne": "DELIVERED"}}
    mark = {"$set": {"in_flight": "my-pass"}}

    counter.active = True
    result = collection.bulk_write(
        [
            UpdateOne({"_id": pk, **where}, mark)
            for pk in ("free", "held", "free-too", "done", "absent")
        ]
    )
    counter.active = False

    assert result.matched_count == 2
    assert {d["_id"]: d["in_flight"] for d in collection.find()} == {
        "free": "my-pass",
        "free-too": "my-pass",
        "held": "other-pass",
        "done": None,
    }
    from casemgmt_project.mongodb_engine.ferretdb.collection import FerretDBCollection

    if isinstance(collection, FerretDBCollection):  # read once and rewritten: no update scans
        assert counter.counts.get(("update", "adapter_condition_probe"), 0) == 0


def ferretdb_collection(name: str):
    from casemgmt_project.mongodb_engine.ferretdb.collection import FerretDBCollection

    collection = connections["default"].get_collection(name)
    if not isinstance(collection, FerretDBCollection):
        pytest.skip("the rewrite journal exists only in the FerretDB adapter")
    return collection


def test_a_rewrite_leaves_no_journal_behind():
    from casemgmt_project.mongodb_engine.ferretdb.rewrites import REWRITE_JOURNAL

    collection = ferretdb_collection("adapter_journal_probe")
    collection.insert_many([{"_id": f"r-{i}", "n": 0} for i in range(3)])
    collection.bulk_write([UpdateOne({"_id": f"r-{i}"}, {"$set": {"n": i}}) for i in range(3)])

    assert [d["n"] for d in collection.find(sort=[("_id", 1)])] == [0, 1, 2]
    assert collection.database[REWRITE_JOURNAL].count_documents({}) == 0


def test_a_rewrite_cut_between_its_delete_and_its_insert_is_restored_by_the_next_process():
    """The state a SIGKILL there leaves: journal written, targets deleted, nothing inserted.
    One target was written again since (a later version): that version must stay."""
    from casemgmt_project.mongodb_engine.ferretdb.rewrites import REWRITE_JOURNAL, recover_rewrites

    collection = ferretdb_collection("adapter_cut_probe")
    database = collection.database
    journalled = [{"_id": f"o-{i}", "status": "DELIVERED", "v": 1} for i in range(3)]
    database[REWRITE_JOURNAL].insert_many(
        [
            {"_id": f"cut:{i}", "rewrite": "cut", "collection": collection.name, "document": d}
            for i, d in enumerate(journalled)
        ]
    )
    collection.insert_one({"_id": "o-2", "status": "PENDING", "v": 2})  # written after the cut

    assert recover_rewrites(database) == 2
    assert sorted(collection.find(), key=lambda d: d["_id"]) == [
        journalled[0],
        journalled[1],
        {"_id": "o-2", "status": "PENDING", "v": 2},
    ]
    assert database[REWRITE_JOURNAL].count_documents({}) == 0
    assert recover_rewrites(database) == 0
