"""Background work the consumer does while it has no records (the notification relay)."""

from collections.abc import Callable


def consumer_idle_hooks() -> list[Callable[[], None]]:
    """Hooks run between empty polls; notifications add their relay here."""
    return []
