"""Reading a topic's size right after creating it waits for its partition leaders."""

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from kafka_integration.lag import watermarks


class NewTopicClient:
    """A broker that answers `errors` first (as a topic without leaders yet does), then offsets."""

    def __init__(self, *errors: int) -> None:
        self.errors = list(errors)
        self.calls = 0

    def get_watermark_offsets(self, partition: TopicPartition, timeout: float) -> tuple[int, int]:
        self.calls += 1
        if self.errors:
            raise KafkaException(KafkaError(self.errors.pop(0)))
        return (0, 3)


def test_a_partition_without_a_leader_yet_is_asked_again():
    client = NewTopicClient(KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE)
    assert watermarks(client, TopicPartition("t", 0), timeout=5) == (0, 3)
    assert client.calls == 3


def test_other_errors_and_a_leader_that_never_comes_are_raised():
    with pytest.raises(KafkaException):
        watermarks(NewTopicClient(KafkaError._TRANSPORT), TopicPartition("t", 0), timeout=5)
    never = NewTopicClient(*[KafkaError.NOT_LEADER_FOR_PARTITION] * 100)
    with pytest.raises(KafkaException):
        watermarks(never, TopicPartition("t", 0), timeout=0.5)
    assert 2 <= never.calls < 100
