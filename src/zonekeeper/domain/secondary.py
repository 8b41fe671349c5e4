"""Pure rules of SECONDARY zones: what a transfer changes, and the SOA timers (RFC 1034
section 4.3.5): refresh after a success, retry after a failure, expire after too long without
a master confirming our copy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

Key = tuple[str, str]
"""(owner name, type) of one rrset."""
Content = Mapping[Key, tuple[int, frozenset[str]]]
"""A zone's rrsets: (owner, type) → (TTL, canonical data of each record)."""


@dataclass(frozen=True, slots=True)
class ContentDiff:
    """What turns one content into another, rrset by rrset."""

    removed: list[Key] = field(default_factory=list)
    added: list[Key] = field(default_factory=list)
    changed: list[Key] = field(default_factory=list)
    """In both, with another TTL or other records."""

    @property
    def empty(self) -> bool:
        return not (self.removed or self.added or self.changed)


def diff(old: Content, new: Content) -> ContentDiff:
    """The rrsets of ``old`` that ``new`` lacks, those it adds, and those it changes."""
    result = ContentDiff()
    for key in sorted(old.keys() - new.keys()):
        result.removed.append(key)
    for key in sorted(new.keys() - old.keys()):
        result.added.append(key)
    for key in sorted(old.keys() & new.keys()):
        if old[key] != new[key]:
            result.changed.append(key)
    return result


def next_refresh(now: datetime, refresh: int) -> datetime:
    """When to ask the master again after it confirmed our copy (or we took its new one)."""
    return now + timedelta(seconds=refresh)


def next_retry(now: datetime, retry: int) -> datetime:
    """When to ask again after no master answered usefully."""
    return now + timedelta(seconds=retry)


def expired(now: datetime, last_contact: datetime, expire: int) -> bool:
    """Whether our copy is too old to serve: no master confirmed it for ``expire`` seconds
    (counted from the zone's creation while it never was)."""
    return now - last_contact >= timedelta(seconds=expire)
