"""The screening worker (SPEC §3c): runs pending requests off the ingest hot path.

`manage.py run_screening` loops over `run_once`; each pass takes the oldest pending requests
through the `screenreq_queue` index. A request that fails is logged and left pending for the
next pass; one waiting for a first list stays pending too.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

from cases.screening.services import pending_requests, process_request

__all__ = ["run", "run_once"]

logger = logging.getLogger(__name__)

BATCH = 50


def run_once(batch: int = BATCH) -> Counter[str]:
    """One pass over up to `batch` pending requests; counts of what became of them."""
    outcomes: Counter[str] = Counter()
    for request_id in pending_requests(batch):
        try:
            outcomes[process_request(request_id)] += 1
        except Exception:  # one bad request must not stop the others; it stays pending
            logger.exception("screening request failed", extra={"request_id": str(request_id)})
            outcomes["failed"] += 1
    return outcomes


def run(
    *,
    batch: int = BATCH,
    idle_seconds: float = 2.0,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Pass after pass until `should_stop`; sleeps when a pass found nothing to screen."""
    while not should_stop():
        outcomes = run_once(batch)
        worked = sum(n for outcome, n in outcomes.items() if outcome != "waiting")
        if outcomes:
            logger.info("screening pass", extra={"outcomes": dict(outcomes)})
        if not worked:
            time.sleep(idle_seconds)
