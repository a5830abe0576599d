"""Create the topics the service uses, if missing (idempotent, at start-up)."""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from casemgmt_project.logging import with_librdkafka_logger
from kafka_integration.failures import StartupFailed

logger = logging.getLogger(__name__)


def ensure_topics(
    bootstrap_servers: str,
    names: list[str],
    partitions: int,
    extra: dict[str, Any] | None = None,
    replication_factor: int = -1,
) -> None:
    """Create missing topics; -1 replication uses the broker's default.

    Also the start-up check of the credentials: a refused login raises StartupFailed at once
    with the broker's reason (librdkafka would otherwise retry it forever, silently).
    """
    refused: list[KafkaError] = []

    def on_error(error: KafkaError) -> None:
        if error.code() in (KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED):
            refused.append(error)

    config = {"bootstrap.servers": bootstrap_servers, **(extra or {}), "error_cb": on_error}
    admin = AdminClient(with_librdkafka_logger(config))
    try:
        existing = set(admin.list_topics(timeout=15).topics)
    except KafkaException as exc:
        admin.poll(0)  # deliver the error callbacks that explain the failure
        if refused:
            raise StartupFailed(f"Kafka refused the credentials: {refused[0].str()}") from exc
        raise StartupFailed(f"Kafka unreachable at {bootstrap_servers}: {exc}") from exc
    wanted = [name for name in dict.fromkeys(names) if name not in existing]
    if not wanted:
        return
    futures = admin.create_topics(
        [NewTopic(name, partitions, replication_factor) for name in wanted]
    )
    for name, future in futures.items():
        try:
            future.result(timeout=30)
            logger.info("topic created", extra={"topic": name, "partitions": partitions})
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
