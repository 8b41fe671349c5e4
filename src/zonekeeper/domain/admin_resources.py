"""Designate's admin resources as values: TLDs, blacklists and TSIG keys, with the rules each
field must meet (Designate's object fields) and the two zone-name rules they make. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from zonekeeper.domain import errors

_LABEL = r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)"
_TLD_NAME: Final = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


@dataclass(frozen=True, slots=True)
class Tld:
    id: str
    name: str
    """Lower-case, without the trailing dot: ``org``, ``co.uk``."""
    description: str | None
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class Blacklist:
    id: str
    pattern: str
    """A Python regular expression, searched (not matched) in zone names with their dot."""
    description: str | None
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class TsigKey:
    id: str
    name: str
    algorithm: str
    secret: str
    scope: str
    """POOL or ZONE: what ``resource_id`` names."""
    resource_id: str
    created_at: datetime
    updated_at: datetime | None


def tld_name(text: str) -> str:
    """``text`` lower-cased if it is a TLD name (labels, no trailing dot, under 255
    characters); raises InvalidObject with path ``("name",)``."""
    if len(text) >= 255 or not _TLD_NAME.fullmatch(text):
        reason = errors.FieldError(("name",), f"{text!r} is not a 'tldname'", "format", "tldname")
        raise errors.InvalidObject([reason])
    return text.lower()


def blacklist_pattern(text: str) -> str:
    """``text`` if it is a non-empty Python regular expression; raises InvalidObject. (An
    empty pattern is found in every name: it would refuse every zone, as Designate also says.)"""
    try:
        if not text:
            raise re.error("empty")
        re.compile(text)
    except (re.error, RecursionError, OverflowError):
        reason = errors.FieldError(("pattern",), f"{text!r} is not a valid regex", "format")
        raise errors.InvalidObject([reason]) from None
    return text


def check_tld(zone_name: str, tlds: Iterable[str]) -> None:
    """Designate's TLD rule for a new zone ``zone_name`` (absolute, lower-case) while ``tlds``
    are registered: one of its suffixes must be a TLD, and it must not be a TLD itself.
    Raises InvalidZoneName; no TLDs at all means no rule."""
    registered = frozenset(tlds)
    if not registered:
        return
    bare = zone_name.rstrip(".")
    if bare in registered:
        raise errors.InvalidZoneName("Zone name cannot be the same as a TLD")
    labels = bare.split(".")
    if not any(".".join(labels[i:]) in registered for i in range(len(labels))):
        raise errors.InvalidZoneName("Invalid TLD")


def blacklisted(zone_name: str, patterns: Iterable[str]) -> bool:
    """Whether any of ``patterns`` is found in ``zone_name`` (with its final dot)."""
    return any(re.search(pattern, zone_name) for pattern in patterns)
