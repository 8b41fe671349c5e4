"""One module per DNS server kind, behind ``base.Backend``; ``load`` picks one by its type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zonekeeper.backends import embedded
from zonekeeper.backends.base import Backend, BackendError, Master, ZoneTarget

__all__ = ["Backend", "BackendError", "Master", "ZoneTarget", "load"]


def load(kind: str, options: Mapping[str, Any]) -> Backend:
    """The backend for a pool target's ``type``; raises ValueError for an unknown type or
    options that don't validate."""
    if kind == "embedded":
        return embedded.EmbeddedBackend(embedded.Options.model_validate(dict(options)))
    raise ValueError(f"unknown backend type {kind!r}")
