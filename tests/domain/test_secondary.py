"""The pure rules of SECONDARY zones: what a transfer changes, and the SOA timers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from zonekeeper.domain import secondary

A = ("a.example.", "A")
B = ("b.example.", "A")
C = ("c.example.", "TXT")


@pytest.mark.parametrize(
    ("old", "new", "removed", "added", "changed"),
    [
        ({}, {A: (60, frozenset({"192.0.2.1"}))}, [], [A], []),
        ({A: (60, frozenset({"192.0.2.1"}))}, {}, [A], [], []),
        ({A: (60, frozenset({"192.0.2.1"}))}, {A: (60, frozenset({"192.0.2.1"}))}, [], [], []),
        ({A: (60, frozenset({"192.0.2.1"}))}, {A: (30, frozenset({"192.0.2.1"}))}, [], [], [A]),
        (
            {A: (60, frozenset({"1.1.1.1"})), B: (60, frozenset({"2.2.2.2"}))},
            {B: (60, frozenset({"2.2.2.3"})), C: (60, frozenset({'"x"'}))},
            [A],
            [C],
            [B],
        ),
    ],
)
def test_diff(
    old: secondary.Content,
    new: secondary.Content,
    removed: list[secondary.Key],
    added: list[secondary.Key],
    changed: list[secondary.Key],
) -> None:
    found = secondary.diff(old, new)
    assert (found.removed, found.added, found.changed) == (removed, added, changed)
    assert found.empty == (not (removed or added or changed))


def test_timers() -> None:
    now = datetime(2026, 12, 3, 12, 0, 0)
    assert secondary.next_refresh(now, 3600) == now + timedelta(hours=1)
    assert secondary.next_retry(now, 600) == now + timedelta(minutes=10)
    assert not secondary.expired(now, now - timedelta(seconds=599), 600)
    assert secondary.expired(now, now - timedelta(seconds=600), 600)
