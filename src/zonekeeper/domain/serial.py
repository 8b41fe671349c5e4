"""Zone serial arithmetic (RFC 1982, SERIAL_BITS = 32)."""

from __future__ import annotations

SERIAL_MODULUS = 2**32
_HALF = 2**31


def serial_gt(a: int, b: int) -> bool:
    """True when serial ``a`` is greater than ``b`` in RFC 1982 sequence space."""
    return a != b and ((a < b and b - a > _HALF) or (a > b and a - b < _HALF))


def serial_ge(a: int, b: int) -> bool:
    """True when ``a`` equals or follows ``b`` in RFC 1982 sequence space."""
    return a == b or serial_gt(a, b)


def next_serial(current: int, now: int) -> int:
    """The serial after ``current`` at Unix time ``now``: ``max(current + 1, now)``.

    Never goes backwards: a clock behind the serial still yields ``current + 1``. Stays within
    32 bits by wrapping (RFC 1982 addition), which readers compare with :func:`serial_gt`.
    """
    candidate = (current + 1) % SERIAL_MODULUS
    now %= SERIAL_MODULUS
    # Both comparisons: a clock exactly 2**31 ahead is neither before nor after in RFC 1982.
    return now if serial_gt(now, candidate) and serial_gt(now, current) else candidate
