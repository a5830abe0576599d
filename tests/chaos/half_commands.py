"""Scenario 7 (runs in Django): commands that fail half-way, and what readers see of them.

    python -m tests.chaos.half_commands --commands N

Each command writes three events on three aggregates. Half of them find their last version
already taken (a conflict inside the command), a quarter crash after inserting their events
and before committing, then are retried. Readers must see every committed command whole and
nothing of the others: a missing event of a winner is lost, a visible event of a loser is a
duplicate (a change that should not exist).
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid


def run(commands: int) -> dict:
    from django.utils import timezone

    from cases.core import bulk, event_store
    from cases.core import events as ev
    from cases.core.errors import ConcurrencyConflict
    from cases.models import StoredEvent

    winners: list[ev.DomainEvent] = []
    losers: list[ev.DomainEvent] = []
    for n in range(commands):
        metadata = ev.Metadata(correlation_id=f"half-{n}", causation_id=f"chaos:half:{n}")
        sequence = ev.EventSequence(metadata, timezone.now())
        taken = uuid.uuid4()
        for aggregate in (uuid.uuid4(), uuid.uuid4(), taken):
            sequence.add(ev.CASE_NOTE_ADDED, ev.CASE, aggregate, {"case_id": str(aggregate)})
        events = sequence.events
        if n % 2 == 0:  # someone else wrote the last aggregate's version 1 first
            rival = ev.EventSequence(
                ev.Metadata(correlation_id=f"rival-{n}", causation_id=f"chaos:rival:{n}"),
                timezone.now(),
            )
            rival.add(ev.CASE_NOTE_ADDED, ev.CASE, taken, {"case_id": str(taken)})
            event_store.append(rival.events)
            winners += rival.events
            try:
                event_store.append(events)
            except ConcurrencyConflict:
                losers += events
            else:
                raise AssertionError("the conflict went unnoticed")
        elif n % 4 == 1:  # crash between the events and the commit, then the retry
            bulk.insert_missing(event_store.to_stored(e, timezone.now()) for e in events)
            hidden = event_store.visible(
                StoredEvent.objects.filter(event_id__in=[e.event_id for e in events])
            )
            losers += [e for e in events if e.event_id in {h.event_id for h in hidden}]
            event_store.append(events)
            winners += events
        else:
            event_store.append(events)
            winners += events

    shown = {e.event_id for chunk in event_store.iterate_all() for e in chunk}
    lost = sum(1 for e in winners if e.event_id not in shown)
    duplicated = sum(1 for e in losers if e.event_id in shown)
    problems = []
    if lost:
        problems.append(f"lost {lost}: committed events readers cannot see")
    if duplicated:
        problems.append(f"duplicated {duplicated}: events of failed commands visible")
    return {"produced": commands, "lost": lost, "duplicated": duplicated, "problems": problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=200)
    args = parser.parse_args(argv)
    import django

    django.setup()
    print(json.dumps(run(args.commands)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
