"""The kill points tests arm: inert unless the process named them (production pays nothing)."""

import os
import signal
import subprocess
import sys

from kafka_integration.crash_points import ENV, crash_point

FIRE_TWICE = """
from kafka_integration.crash_points import crash_point
hook = crash_point("after-flush")
hook()
print("passed once", flush=True)
hook()
print("passed twice", flush=True)
"""


def test_an_unarmed_or_other_point_is_none(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert crash_point("after-flush") is None
    monkeypatch.setenv(ENV, "somewhere-else:/tmp/marker")
    assert crash_point("after-flush") is None


def test_the_armed_point_stops_the_process_at_its_nth_passage(tmp_path):
    marker = tmp_path / "stopped"
    env = {**os.environ, ENV: f"after-flush@2:{marker}"}
    process = subprocess.Popen(
        [sys.executable, "-c", FIRE_TWICE], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline() == "passed once\n"  # the first passage goes by
        _, status = os.waitpid(process.pid, os.WUNTRACED)  # returns once it stops itself
        assert os.WIFSTOPPED(status) and os.WSTOPSIG(status) == signal.SIGSTOP
        assert marker.read_text() == str(process.pid)
    finally:
        process.kill()
        process.wait(timeout=10)
