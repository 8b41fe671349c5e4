"""Per-source log throttling: anyone on the network can send us bad requests, and one log line
each would let a stranger fill the disk and bury the lines that matter."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Window:
    started: float
    held_back: int = 0


class LogThrottle:
    """Lets one event per source through per ``interval`` seconds and counts the rest.

    Remembers at most ``capacity`` sources: past that, those whose window has ended are
    forgotten first, then the oldest, so a flood of sources costs bounded memory (a forgotten
    source is simply logged again)."""

    def __init__(
        self,
        interval: float,
        capacity: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = interval
        self._capacity = capacity
        self._clock = clock
        self._windows: dict[str, _Window] = {}

    def admit(self, source: str) -> int | None:
        """None: hold this event back (counted). Otherwise log it; the number is how many
        events of ``source`` were held back since the last one let through."""
        now = self._clock()
        window = self._windows.get(source)
        if window is not None and now - window.started < self._interval:
            window.held_back += 1
            return None
        self._windows.pop(source, None)
        self._make_room(now)
        self._windows[source] = _Window(now)
        return window.held_back if window is not None else 0

    def _make_room(self, now: float) -> None:
        if len(self._windows) < self._capacity:
            return
        ended = [s for s, w in self._windows.items() if now - w.started >= self._interval]
        for source in ended:
            del self._windows[source]
        while len(self._windows) >= self._capacity:
            del self._windows[next(iter(self._windows))]  # dicts keep insertion order
