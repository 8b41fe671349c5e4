"""The sink's health: how far behind it is, and how much waits in its queues.

``lag_ms`` is the age of the oldest unprocessed event: the queue is handled in order, a
batch at a time, so while a batch is being handled it is the age of its first event (now
minus the ``timestamp`` its publisher stamped); between batches it is the lag the last event
had when its effect was committed. The broker's ready-message counts (``queue_depth``,
``dead_letter_depth``) come from a passive declare, taken by the consumer's periodic probe;
``buffered`` counts the messages delivered to us (up to ``prefetch``) and not yet taken into
a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from zonekeeper.sink.notification import Notification


class Health:
    """Lag and queue depths, next to the consumer's counters."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._in_flight: datetime | None = None
        self._last_lag_ms = 0
        self.queue_depth = 0
        self.dead_letter_depth = 0

    def started(self, note: Notification) -> None:
        """``note`` (the oldest of a batch) is being handled from now on."""
        self._in_flight = note.timestamp

    def finished(self, note: Notification) -> None:
        """``note``'s effect is committed (or it was dead-lettered)."""
        self._in_flight = None
        if note.timestamp is not None:
            self._last_lag_ms = _age_ms(self._now(), note.timestamp)

    def lag_ms(self) -> int:
        if self._in_flight is not None:
            return _age_ms(self._now(), self._in_flight)
        return self._last_lag_ms

    def report(self, counters: Mapping[str, int], buffered: int) -> dict[str, int]:
        """The counters with the lag, the depths and the ``buffered`` count, as heartbeated
        into service_statuses."""
        return {
            **counters,
            "lag_ms": self.lag_ms(),
            "queue_depth": self.queue_depth,
            "dead_letter_depth": self.dead_letter_depth,
            "buffered": buffered,
        }


def log_line(report: Mapping[str, int]) -> str:
    """One line of ``key=value`` pairs, keys sorted (grep-able, diff-able)."""
    return " ".join(f"{key}={value}" for key, value in sorted(report.items()))


def _age_ms(now: datetime, then: datetime) -> int:
    # Clocks of publisher and sink may disagree a little: never report a negative lag.
    return max(0, int((now - then).total_seconds() * 1000))
