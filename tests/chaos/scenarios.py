"""The fault-injection scenarios of issue #12, each ending with a full accounting.

Every runner takes its sizes as parameters (full size in `scripts/chaos.py`, small in CI),
works in a `Workspace` of its own and returns a `ScenarioResult` for the final table.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaException
from django.conf import settings
from pymongo import MongoClient

from casemgmt_project.progress import ProgressBar
from kafka_integration.consumer import EXIT_WEDGED
from kafka_integration.crash_points import ENV as CRASH_POINT
from kafka_integration.lag import group_progress
from tests.chaos.records import produce_hostile
from tests.chaos.workspace import PrivateKafka, Workspace
from tests.integration.consumer_process import (
    REPO_ROOT,
    ManagedProcess,
    PrivateDatabase,
    ProducedRecords,
    produce_samples,
    start_consumer,
    wait_until,
)

TIMEOUT = 3600.0  # generous: a shared 2-core machine
BATCH_SIZE = 200  # the consumers' --batch-size (start_consumer)


@dataclass
class ScenarioResult:
    scenario: str
    records: int
    lost: int
    duplicated: int
    recovery_seconds: float | None
    notes: str = ""
    details: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and not self.details.get("problems")


def django_json(ws: Workspace, module: str, *args: str) -> dict:
    """Run `python -m module args` in Django, bound to the workspace; its last line is JSON."""
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=ws.env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_accounting(ws: Workspace, produced: ProducedRecords) -> dict:
    path = ws.save_produced(produced)
    return django_json(
        ws,
        "tests.chaos.accounting",
        *("--topic", ws.topic, "--produced", str(path), "--bootstrap", ws.bootstrap_servers),
    )


def result_of(name: str, accounting: dict, recoveries: list[float], notes: str) -> ScenarioResult:
    return ScenarioResult(
        scenario=name,
        records=accounting["produced"],
        lost=accounting["lost"],
        duplicated=accounting["duplicated"],
        recovery_seconds=round(max(recoveries), 1) if recoveries else None,
        notes=notes,
        details=accounting,
    )


def seconds_until_progress(count: Callable[[], int], total: int, timeout: float = 600) -> float:
    """From now until the finished-record count moves (the pipeline works again).

    0 when nothing was left to do: a batch holds up to 200 records, so the one in flight at
    a late fault may have been the last.
    """
    started, baseline = time.monotonic(), count()
    wait_until(lambda: (now := count()) > baseline or now >= total, timeout, "progress after fault")
    seconds = time.monotonic() - started
    # Said now, not only in the final table: a long run's accounting may fail after this.
    print(f"\nrecovered {seconds:.1f} s after the fault", file=sys.stderr, flush=True)
    return seconds


@contextmanager
def progress(count: Callable[[], int], total: int, every: float = 5.0) -> Iterator[None]:
    """A progress bar of finished records on stderr while a scenario runs, from its own thread."""
    bar, stop = ProgressBar("records"), threading.Event()

    def watch() -> None:
        while not stop.wait(every):
            done = min(count(), total)
            bar(done, total)
            if done >= total:
                break

    thread = threading.Thread(target=watch, name="chaos-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


class Members:
    """Consumer processes of one group, each with a stable transactional.id per slot.

    Every start, restarts included, passes the same flags, as a supervisor would: with
    `from_beginning`, `--from-beginning` (it must not re-read what the group committed, #22).
    """

    def __init__(self, ws: Workspace, idle_timeout: float, from_beginning: bool = False):
        self.ws, self.idle_timeout = ws, idle_timeout
        self.extra_args = ("--from-beginning",) if from_beginning else ()
        self.group = f"chaos-{ws.name}-{uuid.uuid4().hex[:6]}"
        self.live: dict[int, ManagedProcess] = {}
        self.all: list[ManagedProcess] = []
        self.starts = 0
        self.restarts = 0  # supervisor restarts after a wedged Kafka client (exit 75)
        self._watching = ExitStack()
        self._finished = 0

    def finished(self) -> int:
        """Records the group has committed past: durable and done, asked of the broker.

        Not a count of finished audit rows: polled twice a second, a count must not compete
        with the consumer it watches. While the broker is down on purpose, the last answer stands.
        """
        try:
            progress_now = group_progress(
                self.ws.bootstrap_servers, self.group, self.ws.topic, timeout=5
            )
        except KafkaException:
            return self._finished
        self._finished = max(self._finished, progress_now.committed)
        return self._finished

    def watch(self, total: int) -> None:
        """Show a progress bar of the group's finished records until `stop`."""
        self._watching.enter_context(progress(self.finished, total))

    def start(self, slot: int) -> ManagedProcess:
        self.starts += 1
        env = {**self.ws.env(), "KAFKA_TRANSACTIONAL_ID": f"{self.group}-slot-{slot}"}
        process = start_consumer(
            f"consumer-{slot}-{self.starts}",
            topic=self.ws.topic,
            group=self.group,
            idle_timeout=self.idle_timeout,
            env=env,
            log_dir=self.ws.log_dir,
            extra_args=self.extra_args,
        )
        self.live[slot] = process
        self.all.append(process)
        return process

    def kill(self, slot: int) -> None:
        self.live.pop(slot).kill()

    def logs(self) -> str:
        return "\n".join(process.logs() for process in self.all[-4:])

    def wait_all(self) -> None:
        """Wait for every member to exit; restart one that asks for it (as a supervisor)."""
        while self.live:
            slot, process = next(iter(self.live.items()))
            code = process.wait_exit(TIMEOUT)
            if code == EXIT_WEDGED:
                self.restarts += 1
                self.start(slot)
                continue
            assert code == 0, self.logs()
            del self.live[slot]

    def stop(self) -> None:
        for process in self.all:
            process.stop()
        self._watching.close()


def _wait_finished(at_least: int, members: Members) -> None:
    wait_until(
        lambda: members.finished() >= at_least or not members.live,
        TIMEOUT,
        f"{at_least} records finished",
        members.logs,
    )


# --- 1. SIGKILLs -----------------------------------------------------------------------------


def sigkills(
    base: Path,
    *,
    records: int = 20_000,
    kills: int = 5,
    partitions: int = 3,
    seed: int = 1,
    from_beginning: bool = False,
) -> ScenarioResult:
    ws = Workspace("sigkill", settings.KAFKA_BOOTSTRAP_SERVERS, settings.MONGODB_URI, base)
    ws.partitions = partitions
    client = MongoClient(ws.mongodb_uri)
    members = Members(ws, idle_timeout=10, from_beginning=from_beginning)
    try:
        ws.prepare()
        produced = produce_samples(
            ws.bootstrap_servers, ws.topic, records, seed=seed, invalid_ratio=0.08
        )
        members.watch(produced.total)
        rng, recoveries, done = random.Random(seed), [], 0
        members.start(1)
        for kill in range(1, kills + 1):
            _wait_finished(produced.total * kill // (kills + 1), members)
            time.sleep(rng.uniform(0, 1.5))  # a random moment inside whatever batch runs
            if members.finished() >= produced.total:
                break  # the stream ended first: fewer kills than asked (said in the notes)
            members.kill(1)
            done += 1
            members.start(1)
            recoveries.append(seconds_until_progress(members.finished, produced.total))
        members.wait_all()
        accounting = run_accounting(ws, produced)
    finally:
        members.stop()
    ws.cleanup(client)
    return result_of("1 consumer SIGKILLed", accounting, recoveries, f"{done} kills")


# --- 2. Broker killed and restarted ----------------------------------------------------------


def broker_restart(
    base: Path,
    *,
    records: int = 4_000,
    down_seconds: float = 15,
    seed: int = 2,
    from_beginning: bool = False,
) -> ScenarioResult:
    kafka = PrivateKafka(base / "kafka", base)
    kafka.start()
    ws = Workspace("broker", kafka.bootstrap_servers, settings.MONGODB_URI, base)
    client = MongoClient(ws.mongodb_uri)
    members = Members(ws, idle_timeout=down_seconds + 60, from_beginning=from_beginning)
    try:
        ws.prepare()
        produced = produce_samples(ws.bootstrap_servers, ws.topic, records // 2, seed=seed)
        members.watch(records)
        members.start(1)
        _wait_finished(produced.total // 3, members)
        kafka.crash()
        time.sleep(down_seconds)
        kafka.start()
        recoveries = [seconds_until_progress(members.finished, produced.total)]
        later = produce_samples(
            ws.bootstrap_servers,
            ws.topic,
            records - records // 2,
            seed=seed + 1,
            first_index=records // 2,
        )
        produced.valid |= later.valid
        produced.invalid |= later.invalid
        members.wait_all()
        accounting = run_accounting(ws, produced)
    finally:
        members.stop()
        kafka.stop()
    client.drop_database(ws.db_name)
    notes = f"down {down_seconds:.0f}s; {members.restarts} supervisor restart(s)"
    return result_of("2 broker killed + restarted", accounting, recoveries, notes)


# --- 3. Database stopped ---------------------------------------------------------------------


def database_outage(
    base: Path,
    *,
    records: int = 4_000,
    down_seconds: float = 30,
    seed: int = 3,
    from_beginning: bool = False,
) -> ScenarioResult:
    server = PrivateDatabase(base / "database", base)
    server.start()
    ws = Workspace("dbdown", settings.KAFKA_BOOTSTRAP_SERVERS, server.uri, base)
    members = Members(ws, idle_timeout=15, from_beginning=from_beginning)
    try:
        ws.prepare()
        produced = produce_samples(ws.bootstrap_servers, ws.topic, records, seed=seed)
        members.watch(produced.total)
        consumer = members.start(1)
        recoveries = []
        # FerretDB first, then PostgreSQL under a FerretDB that stays up and answers errors.
        for share, crash in ((3, server.crash), (3 / 2, server.crash_postgres)):
            _wait_finished(int(produced.total / share), members)
            crash()
            exited = consumer.exits_within(down_seconds)
            assert not exited, f"exited in the outage\n{members.logs()}"
            server.start()
            recoveries.append(seconds_until_progress(members.finished, produced.total))
        members.wait_all()
        accounting = run_accounting(ws, produced)
    finally:
        members.stop()
        ws.cleanup()
        server.stop()
    note = f"FerretDB, then PostgreSQL, each down {down_seconds:.0f}s"
    return result_of("3 database stopped", accounting, recoveries, note)


# --- 4. Group of three, one killed, one added ------------------------------------------------


def group_churn(
    base: Path, *, records: int = 6_000, seed: int = 4, from_beginning: bool = False
) -> ScenarioResult:
    ws = Workspace("group", settings.KAFKA_BOOTSTRAP_SERVERS, settings.MONGODB_URI, base)
    ws.partitions = 6
    client = MongoClient(ws.mongodb_uri)
    members = Members(ws, idle_timeout=20, from_beginning=from_beginning)
    try:
        ws.prepare()
        produced = produce_samples(ws.bootstrap_servers, ws.topic, records, seed=seed)
        members.watch(produced.total)
        for slot in (1, 2, 3):
            members.start(slot)
        _wait_finished(produced.total // 4, members)
        members.kill(2)
        recoveries = [seconds_until_progress(members.finished, produced.total)]
        _wait_finished(produced.total // 2, members)
        members.start(4)
        recoveries.append(seconds_until_progress(members.finished, produced.total))
        members.wait_all()
        accounting = run_accounting(ws, produced)
    finally:
        members.stop()
    ws.cleanup(client)
    return result_of("4 group: 3 members, 1 killed, 1 added", accounting, recoveries, "")


# --- 5. Hostile records ----------------------------------------------------------------------


def hostile_records(
    base: Path, *, hostile: int = 10_000, valid: int = 2_000, seed: int = 5
) -> ScenarioResult:
    ws = Workspace("hostile", settings.KAFKA_BOOTSTRAP_SERVERS, settings.MONGODB_URI, base)
    client = MongoClient(ws.mongodb_uri)
    members = Members(ws, idle_timeout=15)
    try:
        ws.prepare()
        produced = produce_hostile(
            ws.bootstrap_servers, ws.topic, hostile=hostile, valid=valid, seed=seed
        )
        members.watch(produced.total)
        members.start(1)
        members.wait_all()
        accounting = run_accounting(ws, produced)
    finally:
        members.stop()
    ws.cleanup(client)
    notes = f"{hostile} hostile + {valid} valid; {len(produced.invalid)} must be rejected"
    return result_of("5 hostile records", accounting, [], notes)


# --- 6. Relay: broker down, then relay SIGKILLs ----------------------------------------------


def relay_faults(
    base: Path, *, records: int = 2_000, down_seconds: float = 60, kills: int = 5, seed: int = 6
) -> ScenarioResult:
    kafka = PrivateKafka(base / "kafka", base)
    kafka.start()
    ws = Workspace("relay", kafka.bootstrap_servers, settings.MONGODB_URI, base)
    ws.extra_env["NOTIFICATION_RELAY_IN_CONSUMER"] = "false"
    ws.extra_env["NOTIFICATION_RELAY_ID"] = "chaos-relay"  # stable, as a pod name would be
    client = MongoClient(ws.mongodb_uri)
    members = Members(ws, idle_timeout=10)
    outbox = client[ws.db_name]["notifications"]
    relays: list[ManagedProcess] = []

    def start_relay() -> ManagedProcess:
        args = [sys.executable, "manage.py", "relay_notifications", "--interval", "0.5"]
        relays.append(ManagedProcess.start(f"relay-{len(relays)}", args, ws.env(), base))
        return relays[-1]

    def pending() -> int:
        return outbox.count_documents({"status": "PENDING"})

    try:
        ws.prepare()
        produced = produce_samples(ws.bootstrap_servers, ws.topic, records, seed=seed)
        members.watch(produced.total)
        members.start(1)
        members.wait_all()  # every case opened; the outbox is full and nothing relayed yet
        kafka.crash()
        relay = start_relay()
        time.sleep(down_seconds)
        assert relay.running(), relay.logs()
        kafka.start()
        restarted, rng = time.monotonic(), random.Random(seed)
        for _ in range(kills):
            if pending() == 0:
                break
            time.sleep(rng.uniform(0.3, 2.0))
            relay.kill()
            relay = start_relay()
        wait_until(lambda: pending() == 0, 600, "the outbox to drain", relay.logs)
        recoveries = [time.monotonic() - restarted]
        relay.stop()
        accounting = run_accounting(ws, produced)
    finally:
        for process in relays:
            process.stop()
        members.stop()
        kafka.stop()
    client.drop_database(ws.db_name)
    notes = (
        f"down {down_seconds:.0f}s, {kills} relay kills; "
        f"{accounting['notification_resends']} re-sent copies"
    )
    return result_of("6 relay: broker down + SIGKILLs", accounting, recoveries, notes)


# --- 8. Relay: SIGKILLed between the broker's acknowledgement and its DELIVERED write -------


def relay_crashes(
    base: Path, *, records: int = 2_000, kills: int = 5, seed: int = 8
) -> ScenarioResult:
    """The consumer hosting the relay (the default) is frozen right after a relay flush, at
    its own kill point, and SIGKILLed there; its restart must send none of that pass again."""
    ws = Workspace("relaycrash", settings.KAFKA_BOOTSTRAP_SERVERS, settings.MONGODB_URI, base)
    client = MongoClient(ws.mongodb_uri)
    outbox = client[ws.db_name]["notifications"]
    members = Members(ws, idle_timeout=10)
    recoveries: list[float] = []
    in_window = done = 0

    def arm(kill: int) -> Path:
        marker = base / f"relay-flushed-{kill}"
        ws.extra_env[CRASH_POINT] = f"relay-after-flush@{every}:{marker}"
        return marker

    try:
        ws.prepare()
        produced = produce_samples(ws.bootstrap_servers, ws.topic, records, seed=seed)
        members.watch(produced.total)
        # One relay pass per batch: spread the kills over the stream.
        every = max(1, produced.total // BATCH_SIZE // (kills + 1))
        marker = arm(1)
        consumer = members.start(1)
        for kill in range(1, kills + 1):
            flushed = lambda m=marker, c=consumer: m.exists() or not c.running()  # noqa: E731
            wait_until(flushed, TIMEOUT, "a relay flush", members.logs)
            if not marker.exists():
                break  # the stream ended first: fewer kills than asked (said in the notes)
            members.kill(1)
            done += 1
            held = list({doc["in_flight"] for doc in outbox.find(IN_FLIGHT, {"in_flight": 1})})
            in_window += outbox.count_documents({"in_flight": {"$in": held}})
            if kill < kills:
                marker = arm(kill + 1)
            else:
                ws.extra_env.pop(CRASH_POINT)
            consumer = members.start(1)
            recoveries.append(_until_reconciled(outbox, held, members))
        members.wait_all()
        accounting = run_accounting(ws, produced)
    finally:
        members.stop()
    ws.cleanup(client)
    if accounting["notification_resends"]:
        accounting["problems"].append(
            f"{accounting['notification_resends']} notifications sent again after a relay crash"
        )
    found, resent = _reconciled_in_logs(members)
    notes = (
        f"{done} kills right after a relay flush, {in_window} rows in flight at the kills; "
        f"reconciled from the topic: {found} found there, {resent} sent again; "
        f"{accounting['notification_resends']} re-sent copies"
    )
    return result_of("8 relay SIGKILLed after its flush", accounting, recoveries, notes)


IN_FLIGHT = {"in_flight": {"$ne": None}}


def _until_reconciled(outbox: Any, held: list, members: Members) -> float:
    """Seconds from the restart until the killed pass's rows are recorded (none in flight)."""
    started = time.monotonic()
    wait_until(
        lambda: outbox.count_documents({"in_flight": {"$in": held}}) == 0,
        600,
        "the killed relay pass to be reconciled",
        members.logs,
    )
    seconds = time.monotonic() - started
    print(f"\nrelay pass reconciled {seconds:.1f} s after the restart", file=sys.stderr)
    return seconds


def _reconciled_in_logs(members: Members) -> tuple[int, int]:
    """(found on the topic, sent again) summed over the relays' "reconciled" log lines."""
    found = resent = 0
    for process in members.all:
        for line in process.stderr.read_text(errors="replace").splitlines():
            if "relay pass of a dead relay reconciled" in line:
                record = json.loads(line)
                found += record.get("found_on_topic", 0)
                resent += record.get("sent_again", 0)
    return found, resent


# --- 7. Commands failing half-way ------------------------------------------------------------


def half_commands(base: Path, *, commands: int = 200) -> ScenarioResult:
    ws = Workspace("halfcmd", settings.KAFKA_BOOTSTRAP_SERVERS, settings.MONGODB_URI, base)
    client = MongoClient(ws.mongodb_uri)
    try:
        ws.prepare()
        accounting = django_json(ws, "tests.chaos.half_commands", "--commands", str(commands))
    finally:
        ws.cleanup(client)
    notes = "half conflict on their last event, a quarter crash before the commit"
    return result_of("7 command failing half-way", accounting, [], notes)


SCENARIOS: dict[str, Callable[..., ScenarioResult]] = {
    "sigkill": sigkills,
    "broker": broker_restart,
    "database": database_outage,
    "group": group_churn,
    "hostile": hostile_records,
    "relay": relay_faults,
    "half-command": half_commands,
    "relay-crash": relay_crashes,
}
