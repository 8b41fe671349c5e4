"""The masters of a SECONDARY zone: ``"host"`` or ``"host:port"`` as the API takes them.

``host`` is an IPv4 or IPv6 address (IPv6 with a port as ``[::1]:5353``) or a host name; the
port defaults to 53 and is left out when rendered, as Designate renders masters.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from zonekeeper.domain import errors

DEFAULT_PORT: Final = 53
MAX_MASTERS: Final = 32
_HOSTNAME = re.compile(r"(?=.{1,254}$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?)+")
_PORT = re.compile(r"[0-9]{1,5}")


@dataclass(frozen=True, slots=True)
class Master:
    host: str
    """An address (``address`` is set) or a host name."""
    port: int = DEFAULT_PORT

    @property
    def address(self) -> str | None:
        """The host as an IP address, or None when it is a name."""
        try:
            return str(ipaddress.ip_address(self.host))
        except ValueError:
            return None

    @classmethod
    def from_text(cls, text: str) -> Master:
        """Parse ``host``, ``host:port``, an IPv6 address, or ``[v6]:port``.
        Raises ValueError with a reason."""
        host, port = _split(text.strip())
        if not (_is_address(host) or _HOSTNAME.fullmatch(host)):
            raise ValueError(f"'{text}' is not an IP address or host name")
        if port is not None and not (_PORT.fullmatch(port) and 1 <= int(port) <= 65535):
            raise ValueError(f"'{text}' has a port outside 1..65535")
        address = _normalised(host)
        return cls(address or host.lower(), DEFAULT_PORT if port is None else int(port))

    def to_text(self) -> str:
        """``host`` (port 53) or ``host:port``; IPv6 with a port in brackets."""
        if self.port == DEFAULT_PORT:
            return self.host
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_masters(texts: Sequence[object]) -> tuple[Master, ...]:
    """Every master of a request, duplicates collapsed (first kept). Raises InvalidObject
    with one ``("masters", i)`` reason per bad entry, all at once."""
    reasons: list[errors.FieldError] = []
    found: dict[Master, None] = {}
    if len(texts) > MAX_MASTERS:
        raise errors.InvalidObject(
            [errors.FieldError(("masters",), f"at most {MAX_MASTERS} masters", "maxItems")]
        )
    for index, text in enumerate(texts):
        try:
            found.setdefault(Master.from_text(str(text)), None)
        except ValueError as error:
            reasons.append(errors.FieldError(("masters", index), str(error)))
    if reasons:
        raise errors.InvalidObject(reasons)
    return tuple(found)


def _split(text: str) -> tuple[str, str | None]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise ValueError(f"'{text}' is not [address]:port")
        return host, rest[1:] if rest else None
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, port
    return text, None


def _is_address(host: str) -> bool:
    return _normalised(host) is not None


def _normalised(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None
