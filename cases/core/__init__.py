"""The event-sourcing machinery every capability uses: events and ids, the event store, the
command bus, the projection unit of work, bulk writes, signals, errors and the status tables."""
