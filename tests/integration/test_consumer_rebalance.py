"""A partition paused for a retry must be fetched again once a rebalance gives it back.

librdkafka keeps a partition's pause across rebalances. The consumer pauses its partitions
while it retries a failed batch; when the group coordinator vanished at that moment (broker
restart: session timeout, partitions lost, then re-assigned), the resume came while nothing
was assigned, and the partitions it got back stayed paused: the member starved until its idle
timeout (found by `scripts/chaos.py broker` at full size). Real broker, real group.
"""

import time
import uuid

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from django.conf import settings

from kafka_integration.consumer import CaseEventConsumer, ConsumerOptions

pytestmark = [pytest.mark.integration]


def poll_until(condition, *consumers: Consumer, timeout: float = 60) -> list:
    """Poll every consumer (so each takes part in the rebalance) until `condition()`."""
    fetched, deadline = [], time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the group did not settle in time"
        for consumer in consumers:
            fetched += [m for m in consumer.consume(num_messages=10, timeout=0.2) if not m.error()]
    return fetched


def test_partitions_paused_for_a_retry_are_fetched_again_after_a_rebalance(make_topic):
    topic = make_topic("rebalance", partitions=2)
    group = f"rebalance-{uuid.uuid4().hex[:8]}"
    ours = CaseEventConsumer(
        ConsumerOptions(
            bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
            topic=topic,
            group_id=group,
            dlq_topic=f"{topic}.dlq",
            poll_timeout=0.2,
            transactional_id=f"{group}-ours",
        )
    )
    client = ours._consumer
    client.subscribe([topic], on_assign=ours._on_assign, on_revoke=ours._on_revoke)
    other = Consumer(
        {
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    try:
        poll_until(lambda: len(ours._assignment) == 2, client)
        # A batch failed: the consumer pauses what it holds while it waits to retry.
        client.pause([TopicPartition(t, p) for t, p in ours._assignment])

        generation = ours._generation
        other.subscribe([topic])
        poll_until(lambda: other.assignment() and ours._generation > generation, client, other)
        generation = ours._generation
        other.close()  # leaves the group: both partitions come back to us
        poll_until(lambda: len(ours._assignment) == 2 and ours._generation > generation, client)

        producer = Producer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS})
        for partition in (0, 1):
            producer.produce(topic, value=b"{}", partition=partition)
        assert producer.flush(30) == 0
        fetched: list = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and {m.partition() for m in fetched} != {0, 1}:
            fetched += [m for m in client.consume(num_messages=10, timeout=0.5) if not m.error()]
    finally:
        client.close()
    assert {m.partition() for m in fetched} == {0, 1}, "a re-assigned partition stayed paused"
