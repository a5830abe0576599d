"""Kafka security passed through settings: SASL/PLAIN and SCRAM-SHA-512 logins work, a wrong
password stops.

A private broker of the test's own with a SASL_PLAINTEXT listener offering both mechanisms
(the shared one has none); the SCRAM credentials are written when its storage is formatted,
as `scripts/services.sh` does with KAFKA_SASL=1.
"""

import json
import random
import time
import uuid

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from django.conf import settings
from django.db import connection

from cases.models import Notification, NotificationStatus, RawEvent, RawEventStatus
from kafka_integration.sample_events import kyc_event
from tests.chaos.workspace import PrivateKafka
from tests.integration.consumer_process import (
    ManagedProcess,
    consumer_env,
    count_topic,
    start_consumer,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

USER, PASSWORD = "casemgmt", "s3cret-for-this-test"
SCRAM = "SCRAM-SHA-512"
MECHANISMS = ["PLAIN", SCRAM]


class PlainAndScramKafka(PrivateKafka):
    """The private PLAIN broker, its client listener also offering SCRAM-SHA-512 to USER."""

    def _write_config(self) -> None:
        super()._write_config()
        with self._config.open("a") as config:  # later keys win in a properties file
            config.write(
                f"sasl.enabled.mechanisms=PLAIN,{SCRAM}\n"
                f"listener.name.client.{SCRAM.lower()}.sasl.jaas.config="
                "org.apache.kafka.common.security.scram.ScramLoginModule required;\n"
            )

    def _java(self, *args: str) -> list[str]:
        if args[:2] == ("kafka.tools.StorageTool", "format"):  # KRaft: credentials at format
            args = (*args, "--add-scram", f"{SCRAM}=[name={USER},password={PASSWORD}]")
        return super()._java(*args)


@pytest.fixture(scope="module")
def sasl_broker(tmp_path_factory):
    base = tmp_path_factory.mktemp("sasl")
    broker = PlainAndScramKafka(base / "kafka", base, sasl_users={USER: PASSWORD})
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def security_env(password: str, mechanism: str) -> dict[str, str]:
    return {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": mechanism,
        "KAFKA_SASL_USERNAME": USER,
        "KAFKA_SASL_PASSWORD": password,
    }


def client_config(broker: PrivateKafka, mechanism: str) -> dict[str, str]:
    return {**broker.client_config(), "sasl.mechanism": mechanism}


def env_for(broker: PrivateKafka, topic: str, password: str, mechanism: str) -> dict[str, str]:
    return {
        **consumer_env(
            mongodb_uri=settings.MONGODB_URI,
            db_name=connection.settings_dict["NAME"],
            bootstrap_servers=broker.bootstrap_servers,
            topic=topic,
        ),
        **security_env(password, mechanism),
    }


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_consumer_and_producers_authenticate_with_sasl(sasl_broker, tmp_path, mechanism):
    topic = f"sasl.{uuid.uuid4().hex[:8]}"
    admin = AdminClient(client_config(sasl_broker, mechanism))
    names = [topic, f"{topic}.dlq", f"{topic}.notifications"]
    for future in admin.create_topics([NewTopic(name, 1, 1) for name in names]).values():
        future.result(timeout=60)
    producer = Producer(client_config(sasl_broker, mechanism))
    valid = json.dumps(kyc_event(random.Random(1), 1)).encode()
    for value in (valid, b"not json", valid):
        producer.produce(topic, value=value)
    assert producer.flush(30) == 0

    consumer = start_consumer(
        "sasl-consumer",
        topic=topic,
        group=f"sasl-{uuid.uuid4().hex[:6]}",
        idle_timeout=8,
        env=env_for(sasl_broker, topic, PASSWORD, mechanism),
        log_dir=tmp_path,
    )
    assert consumer.wait_exit(300) == 0, consumer.logs()

    statuses = sorted(RawEvent.objects.filter(topic=topic).values_list("status", flat=True))
    assert statuses == [RawEventStatus.PROCESSED] * 2 + [RawEventStatus.REJECTED]
    dead_letters = count_topic(
        sasl_broker.bootstrap_servers,
        f"{topic}.dlq",
        lambda message: message.offset(),
        extra={
            k: v
            for k, v in client_config(sasl_broker, mechanism).items()
            if k != "bootstrap.servers"
        },
    )
    assert sum(dead_letters.values()) == 1  # the DLQ producer logged in
    assert PASSWORD not in consumer.stdout.read_text() + consumer.stderr.read_text()
    delivered = Notification.objects.filter(status=NotificationStatus.DELIVERED).count()
    assert delivered == Notification.objects.count()  # the relay's producer logged in too


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_a_wrong_password_stops_consume_kafka_at_start_up_with_a_clear_message(
    sasl_broker, tmp_path, mechanism
):
    topic = f"sasl.{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    consumer: ManagedProcess = start_consumer(
        "sasl-wrong",
        topic=topic,
        group="sasl-wrong",
        idle_timeout=600,
        env=env_for(sasl_broker, topic, "wrong-password", mechanism),
        log_dir=tmp_path,
    )
    try:
        exit_code = consumer.wait_exit(90)
    finally:
        consumer.stop()
    output = consumer.stderr.read_text()
    assert exit_code != 0
    assert time.monotonic() - started < 90
    assert "Kafka refused the credentials" in output, consumer.logs()
    assert "wrong-password" not in output + consumer.stdout.read_text()
