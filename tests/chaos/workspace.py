"""A scenario's private world: database, topics, logs, and (when it must die) a Kafka broker.

The shared broker on 9092 and FerretDB on 27017 are never stopped; a scenario that kills one
starts its own on free ports (PrivateKafka here, PrivateDatabase in consumer_process).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic
from pymongo import MongoClient

from tests.integration.consumer_process import (
    REPO_ROOT,
    ManagedProcess,
    ProducedRecords,
    consumer_env,
    free_port,
    port_open,
    wait_until,
)

KAFKA_LIBS = REPO_ROOT / ".cache" / "kafka" / "libs"
LOG4J_TEMPLATE = REPO_ROOT / "infra" / "kafka" / "log4j2.properties"


class PrivateKafka:
    """A single-node KRaft broker of the scenario's own, run from the cached jars.

    `crash()` SIGKILLs it; `start()` brings it back on the same ports and data, as a broker
    restart in production would.
    """

    def __init__(self, data_dir: Path, log_dir: Path, sasl_users: dict[str, str] | None = None):
        self.port, self.controller_port = free_port(), free_port()
        # With users, the client listener is SASL_PLAINTEXT (PLAIN); otherwise PLAINTEXT.
        self.sasl_users = sasl_users or {}
        self.data_dir, self.log_dir = data_dir, log_dir
        self.process: ManagedProcess | None = None
        self.starts = 0
        self._config = data_dir / "server.properties"
        self._formatted = False

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _write_config(self) -> None:
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        client = "SASL_PLAINTEXT" if self.sasl_users else "PLAINTEXT"
        sasl = []
        if self.sasl_users:
            users = " ".join(f'user_{u}="{p}"' for u, p in self.sasl_users.items())
            admin, password = next(iter(self.sasl_users.items()))
            sasl = [
                "sasl.enabled.mechanisms=PLAIN",
                "sasl.mechanism.inter.broker.protocol=PLAIN",
                "listener.name.client.plain.sasl.jaas.config="
                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                f'username="{admin}" password="{password}" {users};',
            ]
        self._config.write_text(
            "\n".join(
                [
                    *sasl,
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    f"listeners=CLIENT://127.0.0.1:{self.port},"
                    f"CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=CLIENT://127.0.0.1:{self.port}",
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=CLIENT",
                    f"listener.security.protocol.map=CONTROLLER:PLAINTEXT,CLIENT:{client}",
                    f"log.dirs={self.data_dir / 'data'}",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=3",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "transaction.state.log.num.partitions=3",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=true",
                ]
            )
            + "\n"
        )
        (self.data_dir / "log4j2.properties").write_text(
            LOG4J_TEMPLATE.read_text().replace("@LOG_DIR@", str(logs))
        )

    def _java(self, *args: str) -> list[str]:
        return [
            "java",
            "-Xms128m",
            "-Xmx512m",
            "-XX:+UseSerialGC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            "-cp",
            f"{KAFKA_LIBS}/*",
            *args,
        ]

    def start(self) -> None:
        if not self._formatted:
            self._write_config()
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            subprocess.run(
                self._java(
                    "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(self._config)
                ),
                check=True,
                capture_output=True,
                timeout=120,
            )
            self._formatted = True
        self.starts += 1
        self.process = ManagedProcess.start(
            f"kafka-{self.starts}",
            self._java("kafka.Kafka", str(self._config)),
            dict(os.environ),
            self.log_dir,
        )
        process = self.process
        wait_until(
            lambda: self._ready() or not process.running(), 120, "Kafka to start", process.logs
        )
        assert process.running(), process.logs()

    def client_config(self) -> dict[str, str]:
        """librdkafka settings of the first user (the broker's own), or none without SASL."""
        if not self.sasl_users:
            return {"bootstrap.servers": self.bootstrap_servers}
        user, password = next(iter(self.sasl_users.items()))
        return {
            "bootstrap.servers": self.bootstrap_servers,
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "PLAIN",
            "sasl.username": user,
            "sasl.password": password,
        }

    def _ready(self) -> bool:
        if not port_open(self.port):
            return False
        try:
            AdminClient(self.client_config()).list_topics(timeout=2)
        except Exception:
            return False
        return True

    def crash(self) -> None:
        if self.process is not None:
            self.process.kill()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


@dataclass
class Workspace:
    """Names and endpoints of one scenario run; everything it creates is its own."""

    name: str
    bootstrap_servers: str
    mongodb_uri: str
    log_dir: Path
    partitions: int = 3
    topic: str = ""
    db_name: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.topic = self.topic or f"chaos.{self.name}.{suffix}"
        self.db_name = self.db_name or f"chaos_{self.name}_{suffix}"
        self.log_dir.mkdir(parents=True, exist_ok=True)

    @property
    def dlq_topic(self) -> str:
        return f"{self.topic}.dlq"

    @property
    def notification_topic(self) -> str:
        return f"{self.topic}.notifications"

    def env(self) -> dict[str, str]:
        return {
            **consumer_env(
                mongodb_uri=self.mongodb_uri,
                db_name=self.db_name,
                bootstrap_servers=self.bootstrap_servers,
                topic=self.topic,
            ),
            "KAFKA_TOPIC_PARTITIONS": str(self.partitions),
            **self.extra_env,
        }

    def prepare(self) -> None:
        """Migrate the database and create the three topics."""
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=REPO_ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        admin = AdminClient({"bootstrap.servers": self.bootstrap_servers})
        topics = [self.topic, self.dlq_topic, self.notification_topic]
        for future in admin.create_topics(
            [NewTopic(t, self.partitions, 1) for t in topics]
        ).values():
            future.result(timeout=60)

    def database(self, client: MongoClient):
        return client[self.db_name]

    def save_produced(self, produced: ProducedRecords) -> Path:
        path = self.log_dir / "produced.json"
        path.write_text(
            json.dumps({"valid": sorted(produced.valid), "invalid": sorted(produced.invalid)})
        )
        return path

    def cleanup(self, client: MongoClient | None = None) -> None:
        """Drop the database and delete the topics (a private broker simply goes away)."""
        if client is not None:
            client.drop_database(self.db_name)
        try:
            admin = AdminClient({"bootstrap.servers": self.bootstrap_servers})
            topics = [self.topic, self.dlq_topic, self.notification_topic]
            for future in admin.delete_topics(topics, operation_timeout=30).values():
                future.result(timeout=60)
        except Exception:  # best effort: the broker may be private and already stopped
            pass
