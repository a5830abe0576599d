"""Issue #12: each rejected record has exactly one dead-letter copy that a reader can see.

The crash of the issue — copies flushed to the DLQ, the process dies before its batch is
committed — is reproduced with a real transactional producer left open, as a SIGKILLed
consumer leaves it; the member's restart (same transactional.id) must hide those copies from
`read_committed` readers and publish each one once more, committed with the offsets.
"""

import json
import random
import uuid

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import NewTopic
from django.conf import settings

from cases.models import RawEvent, RawEventStatus
from kafka_integration import ingest
from kafka_integration.consumer import CaseEventConsumer, ConsumerOptions, to_inbound
from kafka_integration.producer import dead_letter_headers
from kafka_integration.sample_events import sample_event
from tests.integration.consumer_process import dead_letter_copies
from tests.integration.helpers import read_topic

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def topics(make_topic, kafka_admin):
    topic = make_topic("dlq-once")
    dlq = f"{topic}.dlq"
    kafka_admin.create_topics([NewTopic(dlq, 1, 1)])[dlq].result(timeout=30)
    yield topic, dlq
    kafka_admin.delete_topics([dlq])[dlq].result(timeout=30)


def produce(topic: str, values: list[bytes]) -> None:
    producer = Producer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS, "acks": "all"})
    for value in values:
        producer.produce(topic, value=value)
    assert producer.flush(30) == 0


def member(topic: str, group: str, transactional_id: str, expected: int) -> CaseEventConsumer:
    return CaseEventConsumer(
        ConsumerOptions(
            bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
            topic=topic,
            group_id=group,
            dlq_topic=f"{topic}.dlq",
            batch_size=50,
            poll_timeout=0.5,
            max_messages=expected,
            idle_timeout=20,
            transactional_id=transactional_id,
        )
    )


def crash_after_dead_letter_flush(topic: str, transactional_id: str, count: int) -> None:
    """A member's batch up to its DLQ flush: statuses durable, transaction never committed."""
    consumer = Consumer(
        {
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
            "group.id": f"crashed-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    messages = []
    while len(messages) < count:
        messages += [m for m in consumer.consume(count, timeout=1) if m.error() is None]
    consumer.close()
    outcomes = ingest.process_batch([to_inbound(message) for message in messages])
    ingest.record_outcomes(outcomes)
    producer = Producer(
        {
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
            "transactional.id": transactional_id,
        }
    )
    producer.init_transactions(30)
    producer.begin_transaction()
    for outcome in outcomes:
        if outcome.needs_dead_letter:
            headers = dead_letter_headers(outcome)
            producer.produce(f"{topic}.dlq", value=outcome.record.value, headers=headers)
    assert producer.flush(30) == 0


def test_dead_letters_flushed_before_a_crash_are_published_once_after_the_restart(topics):
    topic, dlq = topics
    rng = random.Random(12)
    values = [sample_event(rng, index, 0.5, 0.0)[1] for index in range(4)]
    values += [b"not json", json.dumps({"client_id": "x"}).encode(), b"\xff\xfe"]
    produce(topic, values)
    transactional_id = f"dlq-once-{uuid.uuid4().hex[:8]}"

    crash_after_dead_letter_flush(topic, transactional_id, len(values))
    rejected = set(
        RawEvent.objects.filter(topic=topic, status=RawEventStatus.REJECTED).values_list(
            "offset", flat=True
        )
    )
    assert len(rejected) == 3
    assert len(read_topic(dlq, expected=3, seconds=10, read_committed=False)) == 3

    group = f"dlq-once-{uuid.uuid4().hex[:8]}"
    stats = member(topic, group, transactional_id, expected=len(values)).run()

    assert stats.consumed == len(values) and stats.skipped_finished == len(values)
    copies = dead_letter_copies(settings.KAFKA_BOOTSTRAP_SERVERS, dlq)
    assert copies == {(0, offset): 1 for offset in rejected}
