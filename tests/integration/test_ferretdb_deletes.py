"""The FerretDB adapter's deletes too large for one SQLite statement."""

import pytest
from django.db import connections
from pymongo.errors import OperationFailure

from casemgmt_project.mongodb_engine.ferretdb.capabilities import (
    DELETE_IDS_PER_COMMAND,
    TOO_MANY_VARIABLES,
)
from casemgmt_project.mongodb_engine.ferretdb.collection import FerretDBCollection

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Past SQLite's 32,766 variables, which FerretDB binds one per matched id.
OVER_THE_LIMIT = 33_000


def test_a_delete_matching_more_documents_than_sqlite_binds_deletes_them_all():
    collection = connections["default"].get_collection("adapter_delete_probe")
    if not isinstance(collection, FerretDBCollection):
        pytest.skip("MongoDB deletes any number of documents in one command")
    documents = [{"_id": f"d-{i:05d}", "kind": "row"} for i in range(OVER_THE_LIMIT)]
    documents += [{"_id": f"k-{i}", "kind": "kept"} for i in range(10)]
    for start in range(0, len(documents), 5_000):
        collection.insert_many(documents[start : start + 5_000], ordered=False)
    with pytest.raises(OperationFailure, match=TOO_MANY_VARIABLES):
        collection._collection.delete_many({})  # the server alone (one statement: none deleted)
    assert OVER_THE_LIMIT > DELETE_IDS_PER_COMMAND

    assert collection.delete_many({"kind": {"$ne": "kept"}}).deleted_count == OVER_THE_LIMIT
    assert sorted(doc["_id"] for doc in collection.find()) == [f"k-{i}" for i in range(10)]
