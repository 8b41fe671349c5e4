"""One module per DNS server kind, behind ``base.Backend``; ``load`` picks one by its type.

Others use ``load``, the ``base`` names re-exported here, and each kind's error classes
(``bind9.Bind9Error``, ``bind9.ListingNotConfigured``, ``pdns4.PowerDnsError``) when they need
to tell kinds apart; all of them are ``BackendError`` with reason "backend_error".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from zonekeeper.backends import bind9, embedded, pdns4
from zonekeeper.backends.base import (
    Backend,
    BackendError,
    Master,
    ZoneTarget,
    once_more_if_transient,
)

__all__ = [
    "KINDS",
    "Backend",
    "BackendError",
    "Master",
    "ZoneTarget",
    "load",
    "once_more_if_transient",
]

KINDS: dict[str, Callable[[Mapping[str, Any]], Backend]] = {
    "embedded": lambda o: embedded.EmbeddedBackend(embedded.Options.model_validate(o)),
    "bind9": lambda o: bind9.Bind9Backend(bind9.Options.model_validate(o)),
    "pdns4": lambda o: pdns4.PowerDnsBackend(pdns4.Options.model_validate(o)),
}
"""A pools.yaml target ``type`` (Designate's driver names) to a constructor of its backend."""


def load(kind: str, options: Mapping[str, Any]) -> Backend:
    """The backend for a pool target's ``type``; raises ValueError for an unknown type or
    options that don't validate (pydantic's ValidationError is a ValueError)."""
    try:
        make = KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown backend type {kind!r}") from None
    return make(dict(options))
