"""RFC 1982 serial arithmetic (SERIAL_BITS = 32) and the next-serial rule."""

from __future__ import annotations

import pytest

from zonekeeper.domain.serial import SERIAL_MODULUS, next_serial, serial_ge, serial_gt

TOP = SERIAL_MODULUS - 1
HALF = 2**31


@pytest.mark.parametrize(
    ("a", "b", "greater"),
    [
        (2, 1, True),
        (1, 2, False),
        (5, 5, False),
        (0, TOP, True),  # wrapped: 0 follows 2**32-1
        (TOP, 0, False),
        (10, TOP - 10, True),
        (HALF - 1, 0, True),  # just under half the space ahead
        (HALF + 1, 0, False),  # more than half ahead reads as behind
        (0, HALF + 1, True),
        (1700000000, 1699999999, True),
    ],
)
def test_serial_gt(a: int, b: int, greater: bool) -> None:
    assert serial_gt(a, b) is greater


def test_serial_gt_is_undefined_at_exactly_half() -> None:
    # RFC 1982 leaves a - b == 2**31 undefined; neither is greater, so no serial wins by it.
    assert not serial_gt(HALF, 0)
    assert not serial_gt(0, HALF)


@pytest.mark.parametrize(
    ("a", "b", "result"),
    [(5, 5, True), (6, 5, True), (4, 5, False), (0, TOP, True), (TOP, 0, False), (TOP, TOP, True)],
)
def test_serial_ge(a: int, b: int, result: bool) -> None:
    assert serial_ge(a, b) is result


@pytest.mark.parametrize(
    ("current", "now", "expected"),
    [
        (100, 1700000000, 1700000000),  # clock ahead: jump to the clock
        (1700000000, 1700000000, 1700000001),  # same second: still moves
        (1700000500, 1700000000, 1700000501),  # clock behind the serial: +1, never backwards
        (2024010199, 1700000000, 2024010200),  # date-style serial ahead of the clock
        (TOP, 5, 5),  # wraps past 2**32-1 to a clock just after zero
        (TOP, TOP - 100, 0),  # wraps to 0 when the clock is behind
        (TOP - 1, TOP - 1000, TOP),
    ],
)
def test_next_serial(current: int, now: int, expected: int) -> None:
    result = next_serial(current, now)
    assert result == expected
    assert 0 <= result < SERIAL_MODULUS
    assert serial_gt(result, current)


@pytest.mark.parametrize("current", [0, 1, HALF - 1, HALF, TOP - 1, TOP])
@pytest.mark.parametrize("offset", [0, 1, HALF - 1, HALF + 1, TOP])
def test_next_serial_always_follows(current: int, offset: int) -> None:
    now = (current + offset) % SERIAL_MODULUS
    assert serial_gt(next_serial(current, now), current)


@pytest.mark.parametrize("current", [0, 1700000000, TOP])
def test_next_serial_with_clock_exactly_half_the_space_ahead(current: int) -> None:
    now = (current + HALF) % SERIAL_MODULUS
    assert serial_gt(next_serial(current, now), current)
