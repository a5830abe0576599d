"""JSON log lines carrying the active trace and span ids, so logs join traces in any backend.

Every line on stderr is one JSON object: time, level, logger, message, trace_id/span_id when a
span is active, then the record's `extra=` fields. Exception messages can quote the data that
caused them (a driver error repeats the refused document), so only the exception's type and
stack frames are written, at every level: DEBUG is switched on in production to chase a
problem, and personal data must not reach the log store then either (issue #12).
librdkafka's own log lines go through `librdkafka_logger()` into the same stream (SPEC §8).
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from types import TracebackType

from opentelemetry import trace

__all__ = ["JsonFormatter", "librdkafka_logger", "with_librdkafka_logger"]

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
LIBRDKAFKA_LOGGER = "librdkafka"


def _frames_only(exc: BaseException | None, tb: TracebackType | None) -> str:
    """The traceback without any exception message (type names and code lines only)."""
    parts: list[str] = []
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts.append("".join(traceback.format_tb(tb or exc.__traceback__)))
        parts.append(f"{type(exc).__module__}.{type(exc).__qualname__}\n")
        exc = exc.__cause__ or exc.__context__
        tb = None
    return "".join(reversed(parts)).rstrip()


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra= fields are kept, tracebacks go in `exc_info`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            entry["trace_id"] = format(span_context.trace_id, "032x")
            entry["span_id"] = format(span_context.span_id, "016x")
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            exc_type, exc, tb = record.exc_info
            entry["exc_type"] = exc_type.__qualname__ if exc_type else ""
            entry["exc_info"] = _frames_only(exc, tb)
        return json.dumps(entry, default=str)


def librdkafka_logger() -> logging.Logger:
    """The logger librdkafka writes through (confluent-kafka's `logger` setting)."""
    return logging.getLogger(LIBRDKAFKA_LOGGER)


def with_librdkafka_logger(config: dict) -> dict:
    """A Kafka client config whose librdkafka log lines become JSON records, not raw stderr."""
    return {**config, "logger": librdkafka_logger()}
