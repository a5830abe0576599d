"""The screening worker (SPEC §3c): runs pending requests off the ingest hot path.

`manage.py run_screening` loops over `run_once`; each pass takes the oldest pending requests
through the `screenreq_queue` index. A request that fails is logged and left pending; the
loop passes it over for RETRY_AFTER so that a few bad requests cannot hold up the queue behind
them. One waiting for a first list stays pending too.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Collection

from cases.screening.services import pending_requests, process_request

__all__ = ["run", "run_once"]

logger = logging.getLogger(__name__)

BATCH = 50
RETRY_AFTER = 300.0  # seconds a failed request is passed over by the loop


def run_once(
    batch: int = BATCH,
    skip: Collection[uuid.UUID] = (),
    failed: list[uuid.UUID] | None = None,
) -> Counter[str]:
    """One pass over up to `batch` pending requests not in `skip`; counts of what became of
    them. The ids of requests that raised are added to `failed`."""
    outcomes: Counter[str] = Counter()
    for request_id in pending_requests(batch, skip):
        try:
            outcomes[process_request(request_id)] += 1
        except Exception:  # one bad request must not stop the others; it stays pending
            logger.exception("screening request failed", extra={"request_id": str(request_id)})
            outcomes["failed"] += 1
            if failed is not None:
                failed.append(request_id)
    return outcomes


def run(
    *,
    batch: int = BATCH,
    idle_seconds: float = 2.0,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Pass after pass until `should_stop`; sleeps when a pass found nothing to screen."""
    resting: dict[uuid.UUID, float] = {}  # failed request -> when it may be tried again
    while not should_stop():
        now = time.monotonic()
        resting = {pk: until for pk, until in resting.items() if until > now}
        failed: list[uuid.UUID] = []
        outcomes = run_once(batch, skip=resting, failed=failed)
        resting.update(dict.fromkeys(failed, now + RETRY_AFTER))
        worked = sum(n for outcome, n in outcomes.items() if outcome != "waiting")
        if outcomes:
            logger.info("screening pass", extra={"outcomes": dict(outcomes)})
        if not worked:
            time.sleep(idle_seconds)
