"""Log set-up for every process: plain lines by default, JSON objects on request, and the
request id of the change being worked on in both.

The id travels in a context variable: the API's middleware sets it per request, the worker
per reconcile attempt; asyncio copies the context into the tasks an attempt starts, so its
NOTIFYs, polls and backend calls log the same id without passing it around.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Final

request_id: Final = contextvars.ContextVar[str]("zonekeeper_request_id", default="")
"""The request id of the change the current task works on ("" for none)."""

PLAIN: Final = "%(asctime)s %(levelname)s %(name)s:%(trace)s %(message)s"


class TraceFilter(logging.Filter):
    """Puts the current request id on every record: ``request_id`` (maybe "") and ``trace``
    (" [req-...]" or "", for the plain format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = request_id.get()
        record.request_id = rid
        record.trace = f" [{rid}]" if rid else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, request_id
    (when set) and the exception's traceback (when any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", "")
        if rid:
            entry["request_id"] = rid
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, fmt: str = "plain") -> None:
    """Log to stderr at ``level`` in ``fmt`` ("plain" or "json"), replacing earlier set-up."""
    handler = logging.StreamHandler()
    handler.addFilter(TraceFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(PLAIN))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
