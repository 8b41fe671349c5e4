"""How a pool target is named in states, reports and logs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def describe(target: Mapping[str, Any]) -> str:
    """``"bind9 127.0.0.1:53"``: the type and, when it has one, the server's DNS address."""
    options = target.get("options") or {}
    where = f" {options['host']}:{options.get('port', 53)}" if "host" in options else ""
    return f"{target['type']}{where}"
