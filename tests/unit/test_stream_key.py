"""The event store's one-field form of (aggregate, version) (issue #23)."""

import uuid

from cases.models.event_log import stream_key


def test_keys_of_one_stream_sort_in_version_order():
    aggregate = uuid.uuid4()
    versions = [1, 2, 9, 10, 11, 99, 100, 2_147_483_647]
    keys = [stream_key(aggregate, version) for version in versions]
    assert sorted(keys) == keys
    assert keys[0] == f"{aggregate.hex}:0000000001"


def test_the_same_version_of_two_aggregates_gives_two_keys():
    assert stream_key(uuid.uuid4(), 1) != stream_key(uuid.uuid4(), 1)
