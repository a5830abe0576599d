"""Exception texts never leave the process in a span (issue #12, personal data).

Instrumentations record an exception event (type, message, formatted traceback) and put
`Type: message` in the span status when a request fails. An exception's message can quote the
data that caused it, so every exporter gets a copy of such a span with the messages taken out:
the event keeps the type and the stack frames, the status says the type. Spans without an
exception event (nearly all of them) pass through untouched.
"""

from __future__ import annotations

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import Status

__all__ = ["frames_only", "without_exception_texts"]

EXCEPTION_EVENT = "exception"
_CHAINS = ("During handling of the above exception", "The above exception was the direct cause")


def frames_only(stacktrace: str) -> str:
    """A formatted traceback with each `Type: message` line cut to `Type`, and the lines a
    multi-line message continues on dropped."""
    kept: list[str] = []
    in_message = False
    for line in stacktrace.splitlines():
        if line.startswith("Traceback (") or line.startswith(_CHAINS):
            in_message = False
            kept.append(line)
        elif in_message:
            continue
        elif line.startswith(("  File ", "    ")) or not line.strip():
            kept.append(line)
        else:
            kept.append(line.split(":", 1)[0])
            in_message = True
    return "\n".join(kept)


def _redact(event: Event) -> Event:
    attributes = dict(event.attributes or {})
    attributes.pop("exception.message", None)
    if isinstance(attributes.get("exception.stacktrace"), str):
        attributes["exception.stacktrace"] = frames_only(attributes["exception.stacktrace"])
    return Event(event.name, attributes, timestamp=event.timestamp)


def without_exception_texts(span: ReadableSpan) -> ReadableSpan:
    exceptions = [event for event in span.events if event.name == EXCEPTION_EVENT]
    if not exceptions:
        return span
    status = span.status
    if status.description:
        status = Status(status.status_code, str(exceptions[0].attributes.get("exception.type")))
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=span.attributes,
        events=[_redact(e) if e.name == EXCEPTION_EVENT else e for e in span.events],
        links=span.links,
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )
