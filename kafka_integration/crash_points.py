"""Named points where a test can freeze a real process, to SIGKILL it exactly there.

`CASEMGMT_CRASH_POINT=<name>[@<n>]:<marker file>` arms one point for the process: the n-th time
(default the first) the code passes it, the process writes its pid to the marker file and stops
itself (SIGSTOP). The test waits for the file, then kills the stopped process: no sleep, no
race. Unset (production), `crash_point` returns None and the caller pays one `is None` check.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

ENV = "CASEMGMT_CRASH_POINT"


def crash_point(name: str) -> Callable[[], None] | None:
    """The hook for point `name` when this process armed it, else None."""
    armed = os.environ.get(ENV, "")
    point, _, marker = armed.partition(":")
    point, _, nth = point.partition("@")
    if point != name or not marker:
        return None
    passes = [int(nth or 1)]

    def stop_here() -> None:
        passes[0] -= 1
        if passes[0] != 0:
            return
        Path(marker).write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGSTOP)

    return stop_here
