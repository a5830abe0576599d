#!/usr/bin/env python
"""Evidence throughput: upload and download through the service and over HTTP, beside GridFS.

For each size (default 100 KiB, 5 MiB, 20 MiB) the same bytes are
- put and got with plain pymongo GridFS (`GridFSBucket.upload_from_stream` /
  `download_to_stream`, bucket `bench_plain`): the floor the storage itself sets;
- uploaded and downloaded through `cases.evidence.services` (sniff, hash, size limit, events,
  projection, access row) in this process;
- uploaded and downloaded over HTTP through gunicorn (one worker, one thread) serving the API
  (`POST /api/v1/documents/{id}/files` multipart, `GET .../files/{version}` streamed).
Each figure is the median of `--repeat` runs after one untimed run, in MB/s (10^6 bytes per
second); the ratio is that path's speed over plain GridFS (target ≥ 0.8). Then the server
worker's resident memory (VmRSS from /proc) is sampled while it streams 20 MiB downloads and
while it takes a 20 MiB upload: flat means the file is never held whole in memory.

A private database is created and dropped (casemgmt_project.settings_test; the server gets the
same run id, so the same database). Services must be up (scripts/services.sh).

    .venv/bin/python scripts/bench/evidence_throughput.py --repeat 3
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402
from gridfs import GridFSBucket  # noqa: E402

from cases.api.tokens import issue_token  # noqa: E402
from cases.evidence.commands import UploadEvidence  # noqa: E402
from cases.evidence.services import open_evidence, upload_evidence  # noqa: E402
from cases.intake.commands import CreateCase  # noqa: E402
from cases.intake.contract import validate_payload  # noqa: E402
from cases.intake.services import open_cases  # noqa: E402
from cases.models import DocumentRequirement  # noqa: E402

KIB, MIB = 1024, 1024 * 1024
SIZES = {"100K": 100 * KIB, "5M": 5 * MIB, "20M": 20 * MIB}
READ_BLOCK = 256 * KIB
BOUNDARY = "evidence-bench-boundary"


# --- Data -------------------------------------------------------------------------------------


def payload(size: int) -> bytes:
    """A PDF header then random (incompressible) bytes: `size` bytes the service accepts."""
    head = b"%PDF-1.7\n"
    return head + os.urandom(size - len(head))


def multipart(data: bytes, name: str) -> bytes:
    """The upload body, built before the clock starts (the client's work is not measured)."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


class CountingSink:
    """A write target that keeps only the count (GridFS download_to_stream writes here)."""

    def __init__(self) -> None:
        self.count = 0

    def write(self, data: bytes) -> int:
        self.count += len(data)
        return len(data)


def open_requirement() -> DocumentRequirement:
    record = {
        "client_id": f"bench-evidence-{uuid.uuid4().hex[:8]}",
        "version": "1.0",
        "type": "INDIVIDUAL_STANDARD",
        "traitement_type": "KYC",
        "persons": [{"firstname": "Bench", "lastname": "Mark"}],
    }
    command = CreateCase(
        source=f"bench:{uuid.uuid4()}",
        message=validate_payload(record),
        occurred_at=timezone.now(),
    )
    case_id = open_cases([command]).case_ids[0]
    return DocumentRequirement.objects.filter(case_id=case_id, document_type="PASSPORT").get()


# --- Timing -------------------------------------------------------------------------------------


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    """The median of `repeat` timed runs, after one untimed run (indexes, connections, caches)."""
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@dataclass
class Row:
    label: str
    size: int
    seconds: dict[str, float] = field(default_factory=dict)

    def speed(self, path: str) -> float:
        return self.size / 1e6 / self.seconds[path]


def plain_gridfs(data: bytes, repeat: int) -> tuple[Callable, Callable]:
    bucket = GridFSBucket(connections["default"].database, bucket_name="bench_plain")
    stored: list = []

    def put() -> None:
        stored.append(bucket.upload_from_stream(f"plain-{uuid.uuid4().hex}", io.BytesIO(data)))

    def get() -> None:
        sink = CountingSink()
        bucket.download_to_stream(stored[-1], sink)
        assert sink.count == len(data)

    return put, get


def service_paths(requirement_id: uuid.UUID, data: bytes) -> tuple[Callable, Callable]:
    versions: list[int] = []

    def put() -> None:
        stored = upload_evidence(
            UploadEvidence(
                requirement_id=requirement_id,
                stream=io.BytesIO(data),
                original_name="bench.pdf",
                declared_type="application/pdf",
                actor="USER:bench",
            )
        )
        versions.append(stored.version)

    def get() -> None:
        opened = open_evidence(requirement_id, versions[-1], "USER:bench", "DOWNLOAD")
        count = sum(len(chunk) for chunk in opened.chunks(READ_BLOCK))
        assert count == len(data)

    return put, get


def http_paths(
    session: requests.Session, base: str, requirement_id: uuid.UUID, data: bytes
) -> tuple[Callable, Callable]:
    body = multipart(data, "bench.pdf")
    url = f"{base}/api/v1/documents/{requirement_id}/files"
    versions: list[int] = []

    def put() -> None:
        answer = session.post(
            url, data=body, headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        )
        if answer.status_code != 201:
            raise RuntimeError(f"upload answered {answer.status_code}: {answer.text[:300]}")
        versions.append(answer.json()["version"])

    def get() -> None:
        with session.get(f"{url}/{versions[-1]}", stream=True) as answer:
            answer.raise_for_status()
            count = sum(len(chunk) for chunk in answer.iter_content(READ_BLOCK))
        assert count == len(data)

    return put, get


# --- The server and its memory -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving the app on the bench's database: one worker, one thread."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DEBUG": "false", "LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--config",
                "python:casemgmt_project.gunicorn_conf",
                "--workers",
                "1",
                "--threads",
                "1",
                "--timeout",
                "120",
                "--bind",
                f"127.0.0.1:{self.port}",
                "casemgmt_project.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/health", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /health")

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        return int(children.split()[0])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def sample_rss(pid: int, action: Callable[[], object], interval: float) -> tuple[int, int, int]:
    """(start, peak, end) VmRSS in KiB of `pid` around and during `action`."""
    start = rss_kib(pid)
    peak, done = start, threading.Event()

    def sampler() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kib(pid))
            time.sleep(interval)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    try:
        action()
    finally:
        done.set()
        thread.join()
    end = rss_kib(pid)
    return start, max(peak, end), end


# --- Report -------------------------------------------------------------------------------------


def report(rows: list[Row], http: bool) -> None:
    paths = ["plain", "service"] + (["http"] if http else [])
    header = f"{'size':>6} {'op':<9}" + "".join(
        f" {p + ' MB/s':>13}" + (f" {'ratio':>6}" if p != "plain" else "") for p in paths
    )
    print(header)
    for row in rows:
        size_label, op = row.label.split(" ")
        line = f"{size_label:>6} {op:<9}"
        for path in paths:
            line += f" {row.speed(path):>13.1f}"
            if path != "plain":
                line += f" {row.speed(path) / row.speed('plain'):>6.2f}"
        print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100K,5M,20M", help=f"comma list of {list(SIZES)}")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP paths and RSS")
    parser.add_argument("--rss-interval", type=float, default=0.005, help="seconds")
    args = parser.parse_args()
    sizes = [(label, SIZES[label]) for label in args.sizes.split(",")]

    call_command("migrate", verbosity=0)  # seeds the document rules a case's requirements need
    database = settings.DATABASES["default"]["NAME"]
    server = None if args.no_http else Server()
    try:
        requirement = open_requirement()
        session = requests.Session()
        if server is not None:
            user = get_user_model().objects.create_superuser("bench", "", uuid.uuid4().hex)
            session.headers["Authorization"] = f"Bearer {issue_token(user, 'bench').secret}"
            server.wait_ready()
        rows: list[Row] = []
        for label, size in sizes:
            data = payload(size)
            put_row, get_row = Row(f"{label} upload", size), Row(f"{label} download", size)
            paths = {
                "plain": plain_gridfs(data, args.repeat),
                "service": service_paths(requirement.pk, data),
            }
            if server is not None:
                paths["http"] = http_paths(session, server.base, requirement.pk, data)
            for name, (put, get) in paths.items():
                put_row.seconds[name] = median_seconds(put, args.repeat)
                get_row.seconds[name] = median_seconds(get, args.repeat)
            rows += [put_row, get_row]
        server_kind = connections["default"].database.client.admin.command("buildInfo")
        engine = "FerretDB" if "ferretdb" in server_kind else f"MongoDB {server_kind['version']}"
        print(f"database: {engine} ({database}); median of {args.repeat} runs; MB = 10^6 bytes")
        report(rows, http=server is not None)
        if server is not None:
            data = payload(20 * MIB)
            put, get = http_paths(session, server.base, requirement.pk, data)
            pid = server.worker_pid()
            put(), get()  # warm: the first 20 MiB request of each kind
            print(f"\nserver worker RSS (VmRSS, MiB; sampled every {args.rss_interval}s)")
            print(f"{'while':<22} {'start':>7} {'peak':>7} {'end':>7}")
            for what, action in (
                ("20 MiB download", get),
                ("3 x 20 MiB download", lambda: [get() for _ in range(3)]),
                ("20 MiB upload", put),
            ):
                start, peak, end = sample_rss(pid, action, args.rss_interval)
                print(f"{what:<22} {start / KIB:>7.1f} {peak / KIB:>7.1f} {end / KIB:>7.1f}")
    finally:
        if server is not None:
            server.stop()
        connections["default"].database.client.drop_database(database)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
