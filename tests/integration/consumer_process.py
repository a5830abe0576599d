"""Helpers for tests that run `manage.py consume_kafka` (and the database) as real processes.

The resilience guarantees of SPEC §2 (kill -9, database outage, scale-out) are only meaningful
when the consumer is a separate OS process that can really die, so these helpers start it with
`subprocess`, send its output to files (kept for diagnosis) and never rely on fixed sleeps: every
wait is a polling loop with a deadline.
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, Producer, TopicPartition
from pymongo import MongoClient

from cases.intake.contract import MessageRejected
from kafka_integration.sample_events import sample_event
from kafka_integration.schemas import parse_message

REPO_ROOT = Path(__file__).resolve().parents[2]


# --- Waiting ---------------------------------------------------------------------------------


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, describe: Callable[[], str] = str
) -> None:
    """Poll `condition` until true; on timeout fail with `what` and `describe()` (e.g. logs)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{describe()}")
        time.sleep(0.5)


def tail(path: Path, lines: int = 30, chars: int = 6000) -> str:
    """The end of a log file, bounded (one JSON log line may hold a whole traceback)."""
    if not path.exists():
        return f"({path.name} missing)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])[-chars:]


# --- Producing sample records ----------------------------------------------------------------


@dataclass
class ProducedRecords:
    """Where each produced record landed, split the way the consumer must split it."""

    valid: set[tuple[int, int]] = field(default_factory=set)  # (partition, offset)
    invalid: set[tuple[int, int]] = field(default_factory=set)

    @property
    def total(self) -> int:
        return len(self.valid) + len(self.invalid)


def is_valid(value: bytes) -> bool:
    try:
        parse_message(value)
    except MessageRejected:
        return False
    return True


def produce_samples(
    bootstrap_servers: str,
    topic: str,
    count: int,
    *,
    seed: int,
    kyb_ratio: float = 0.4,
    invalid_ratio: float = 0.05,
    first_index: int = 0,
) -> ProducedRecords:
    """Produce `count` sample records (acks=all, idempotent: no producer-side duplicates).

    Client ids follow the record index: a second call continues at `first_index` so its
    records open new cases instead of updating the first call's clients (SPEC §3b)."""
    producer = Producer(
        {"bootstrap.servers": bootstrap_servers, "acks": "all", "enable.idempotence": True}
    )
    produced = ProducedRecords()
    errors: list[str] = []

    def on_delivery(error, message, valid: bool) -> None:
        if error is not None:
            errors.append(error.str())
            return
        bucket = produced.valid if valid else produced.invalid
        bucket.add((message.partition(), message.offset()))

    rng = random.Random(seed)
    for index in range(count):
        key, value = sample_event(rng, first_index + index, kyb_ratio, invalid_ratio)
        valid = is_valid(value)
        while True:
            try:
                producer.produce(
                    topic,
                    key=key,
                    value=value,
                    on_delivery=lambda e, m, v=valid: on_delivery(e, m, v),
                )
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    remaining = producer.flush(60)
    assert remaining == 0 and not errors, f"{remaining} undelivered, errors: {errors[:3]}"
    assert produced.total == count
    return produced


def dead_letter_positions(
    bootstrap_servers: str, dlq_topic: str, timeout: float = 60
) -> tuple[int, set[tuple[int, int]]]:
    """Read the whole DLQ topic as a `read_committed` reader sees it.

    Returns the number of records and the original (partition, offset) named by their headers.
    """
    copies = dead_letter_copies(bootstrap_servers, dlq_topic, timeout)
    return sum(copies.values()), set(copies)


def dead_letter_copies(
    bootstrap_servers: str, dlq_topic: str, timeout: float = 60
) -> Counter[tuple[int, int]]:
    """How many committed DLQ copies each original (partition, offset) has."""

    def original(message: Message) -> tuple[int, int]:
        headers = {k: v for k, v in message.headers() or [] if k.startswith("dlq.")}
        return int(headers["dlq.original.partition"]), int(headers["dlq.original.offset"])

    return count_topic(bootstrap_servers, dlq_topic, original, timeout)


def count_topic(
    bootstrap_servers: str,
    topic: str,
    key: Callable[[Message], Any],
    timeout: float = 60,
    extra: dict[str, str] | None = None,
) -> Counter:
    """Count a whole topic's records by `key`, as a `read_committed` reader sees them.

    Reading stops when every partition's position reaches its end: with read_committed the
    last offsets are transaction markers, never delivered as records.
    """
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": f"topic-reader-{os.urandom(6).hex()}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "isolation.level": "read_committed",
            **(extra or {}),
        }
    )
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        partitions = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in metadata.partitions]
        ends = {
            tp.partition: consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in partitions
        }
        consumer.assign(partitions)
        counts: Counter = Counter()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in consumer.consume(num_messages=500, timeout=0.5):
                if message.error() is None:
                    counts[key(message)] += 1
            positions = consumer.position([TopicPartition(topic, p) for p in ends])
            if all(tp.offset >= ends[tp.partition] or ends[tp.partition] == 0 for tp in positions):
                break
        return counts
    finally:
        consumer.close()


# --- The consumer subprocess -----------------------------------------------------------------

FINAL_LINE = re.compile(r"consumed=(\d+) processed=(\d+) .*already_finished=(\d+) retries=(\d+)")


def consumer_env(
    *, mongodb_uri: str, db_name: str, bootstrap_servers: str, topic: str
) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "casemgmt_project.settings",
        "DEBUG": "false",  # a clone's .env says true; consumers under test run as production
        "DB_NAME": db_name,
        "MONGODB_URI": mongodb_uri,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
        "KAFKA_DLQ_TOPIC": f"{topic}.dlq",
        "NOTIFICATION_KAFKA_TOPIC": f"{topic}.notifications",
        # Quiet by default; CONSUMER_LOG_LEVEL=INFO shows assignments and progress when diagnosing.
        "LOG_LEVEL": os.environ.get("CONSUMER_LOG_LEVEL", "WARNING"),
    }


@dataclass
class ManagedProcess:
    """A child process whose stdout/stderr go to files, so failures can show their tail."""

    name: str
    popen: subprocess.Popen
    stdout: Path
    stderr: Path

    @classmethod
    def start(cls, name: str, args: list[str], env: dict[str, str], log_dir: Path):
        stdout, stderr = log_dir / f"{name}.out", log_dir / f"{name}.err"
        with stdout.open("wb") as out, stderr.open("wb") as err:
            popen = subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdout=out, stderr=err)
        return cls(name, popen, stdout, stderr)

    def running(self) -> bool:
        return self.popen.poll() is None

    def logs(self) -> str:
        return (
            f"--- {self.name} (exit {self.popen.poll()}) stdout ---\n{tail(self.stdout)}\n"
            f"--- {self.name} stderr ---\n{tail(self.stderr)}"
        )

    def wait_exit(self, timeout: float) -> int:
        wait_until(lambda: not self.running(), timeout, f"{self.name} to exit", self.logs)
        return self.popen.returncode

    def exits_within(self, seconds: float) -> bool:
        """Watch the process for `seconds` (for "it must keep running" checks)."""
        try:
            self.popen.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL: no chance to finish the batch, commit or flush (a crash, as in SPEC §2.5)."""
        if self.running():
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        """Cleanup for finally blocks: polite first, then forceful."""
        if self.running():
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def final_stats(self) -> dict[str, int]:
        """The `consumed=... processed=...` line the command prints at a normal exit."""
        match = FINAL_LINE.search(self.stdout.read_text())
        assert match, f"no final stats line\n{self.logs()}"
        consumed, processed, already_finished, retries = map(int, match.groups())
        return {
            "consumed": consumed,
            "processed": processed,
            "already_finished": already_finished,
            "retries": retries,
        }


def start_consumer(
    name: str,
    *,
    topic: str,
    group: str,
    idle_timeout: float,
    env: dict[str, str],
    log_dir: Path,
    batch_size: int = 200,
    extra_args: Sequence[str] = (),
) -> ManagedProcess:
    """`manage.py consume_kafka` with the flags an operator would pass (`extra_args` too)."""
    args = [
        sys.executable,
        "manage.py",
        "consume_kafka",
        "--topic",
        topic,
        "--group",
        group,
        "--batch-size",
        str(batch_size),
        "--idle-timeout",
        str(idle_timeout),
        "--stats-interval",
        "5",
        *extra_args,
    ]
    return ManagedProcess.start(name, args, env, log_dir)


# --- A private database: FerretDB v2 over PostgreSQL (for outage tests) ----------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class PrivateDatabase:
    """FerretDB v2 over a PostgreSQL cluster of the test's own, that the test may crash.

    Stopping the shared servers would break every other test; this pair runs from a private
    run folder (scripts/services.sh with SERVICES_RUN_DIR) on free ports, and either process
    can go down and come back on the same port with the same data, as in a real outage.
    """

    def __init__(self, run_dir: Path, log_dir: Path):
        self.run_dir = run_dir
        self.log_dir = log_dir
        self.port = free_port()
        self.env = {
            **os.environ,
            "SERVICES_RUN_DIR": str(run_dir),
            "FERRETDB_PORT": str(self.port),
            "FERRETDB_DEBUG_PORT": str(free_port()),
            "POSTGRES_PORT": str(free_port()),
        }
        self.starts = 0
        self._clients: list[MongoClient] = []
        run_dir.mkdir(parents=True, exist_ok=True)

    def _services(self, *args: str) -> None:
        result = subprocess.run(
            [str(REPO_ROOT / "scripts" / "services.sh"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        (self.log_dir / f"services-{self.starts}.log").write_text(result.stdout + result.stderr)
        assert result.returncode == 0, result.stderr[-3000:]

    @property
    def uri(self) -> str:
        password = (self.run_dir / "postgres.password").read_text().strip()
        return f"mongodb://postgres:{password}@127.0.0.1:{self.port}/"

    def start(self) -> None:
        """Start whichever of the two is down (both, the first time)."""
        self.starts += 1
        self._services("up", "postgres", "ferretdb")

    def _pid(self, name: str) -> int:
        return int((self.run_dir / f"{name}.pid").read_text())

    def _kill(self, name: str, sig: signal.Signals) -> None:
        pid = self._pid(name)
        os.kill(pid, sig)
        wait_until(lambda: not _alive(pid), 60, f"{name} to exit", self.logs)

    def crash(self) -> None:
        """SIGKILL FerretDB: it vanishes at once, mid-request, like a crash or a network cut."""
        self._kill("ferretdb", signal.SIGKILL)

    def crash_postgres(self) -> None:
        """PostgreSQL's immediate stop (SIGQUIT): every session ends at once, no checkpoint; the
        next start runs crash recovery. FerretDB stays up and answers with errors meanwhile."""
        self._kill("postgres", signal.SIGQUIT)

    def client(self) -> MongoClient:
        """A pymongo client of this server, closed by `stop()`."""
        client = MongoClient(self.uri, serverSelectionTimeoutMS=5000)
        self._clients.append(client)
        return client

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}\n{tail(self.run_dir / name)}"
            for name in ("ferretdb/ferretdb.log", "postgres.log")
        )

    def stop(self) -> None:
        """Stop both and delete the cluster."""
        for client in self._clients:
            client.close()
        self._services("reset")
