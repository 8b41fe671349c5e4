"""Who may transfer a pool's zones from the mini-DNS: the pool's TSIG keys and its hosts. Pure.

A pool target's ``options`` may carry one TSIG key: ``tsigkey_name`` (Designate's pdns4 option
name), ``tsigkey_secret`` (base64) and ``tsigkey_algorithm`` (default hmac-sha256). The keys of
all of a pool's targets are the pool's keys. A pool with keys transfers only to requests signed
with one of them; a pool without keys only to its nameservers' and targets' addresses and to
the networks of the ``dns.allow_transfer`` setting.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import dns.name
import dns.tsig

DEFAULT_ALGORITHM: Final = "hmac-sha256"
ALGORITHMS: Final = frozenset(
    {"hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1"}
)
"""What BIND, PowerDNS and dnspython all implement. Not hmac-md5 (deprecated, and its wire
name is not its short name) nor GSS-TSIG."""

_KEY_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def check_name(text: str) -> str:
    """``text`` if it is a usable key name: a host-name-like DNS name (letters, digits, '-',
    '_' and '.'), which BIND's and PowerDNS's configurations take unquoted or quoted alike;
    raises ValueError."""
    if not _KEY_NAME.fullmatch(text) or len(text) > 255 or ".." in text:
        raise ValueError(f"{text!r} is not a valid TSIG key name (letters, digits, '-', '_', '.')")
    return text


def check_secret(text: str) -> str:
    """``text`` if it is a non-empty base64 secret (what ``tsig-keygen`` prints); raises
    ValueError."""
    try:
        secret = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("tsigkey_secret is not valid base64") from None
    if not secret:
        raise ValueError("tsigkey_secret is empty")
    return text


def check_algorithm(text: str) -> str:
    """``text`` lower-cased if it is one of :data:`ALGORITHMS`; raises ValueError."""
    algorithm = text.lower().rstrip(".")
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unsupported TSIG algorithm {text!r} (one of {sorted(ALGORITHMS)})")
    return algorithm


@dataclass(frozen=True, slots=True)
class TsigKey:
    """One TSIG key, validated when made (raises ValueError)."""

    name: str
    """As configured: BIND's and PowerDNS's name for the key."""
    secret: str
    """Base64."""
    algorithm: str = DEFAULT_ALGORITHM

    def __post_init__(self) -> None:
        check_name(self.name)
        check_secret(self.secret)
        object.__setattr__(self, "algorithm", check_algorithm(self.algorithm))

    @property
    def dns_name(self) -> dns.name.Name:
        """The absolute name that goes on the wire (compared without regard to case)."""
        return dns.name.from_text(self.name)

    def to_dnspython(self) -> dns.tsig.Key:
        return dns.tsig.Key(self.dns_name, self.secret, self.algorithm)


def key_of(options: Mapping[str, Any]) -> TsigKey | None:
    """The key in a target's ``options``, or None when it has no ``tsigkey_secret`` (options
    were validated when the pool was loaded)."""
    secret = options.get("tsigkey_secret")
    if not secret or not options.get("tsigkey_name"):
        return None
    algorithm = options.get("tsigkey_algorithm") or DEFAULT_ALGORITHM
    return TsigKey(str(options["tsigkey_name"]), str(secret), str(algorithm))


def pool_keys(targets: Iterable[Mapping[str, Any]]) -> dict[dns.name.Name, TsigKey]:
    """Every key of the pool's targets, by wire name."""
    keys = (key_of(target.get("options") or {}) for target in targets)
    return {key.dns_name: key for key in keys if key is not None}


def key_for(targets: Sequence[Mapping[str, Any]], host: str, port: int) -> TsigKey | None:
    """The key the nameserver ``host:port`` signs its transfers with, and so the one to sign
    messages to it with: that of the target whose options name that address (None if it has
    none); for a nameserver no target names, the pool's key when it has exactly one."""
    for target in targets:
        options = target.get("options") or {}
        if str(options.get("host")) == host and int(options.get("port", 53)) == port:
            return key_of(options)
    keys = list(pool_keys(targets).values())
    return keys[0] if len(keys) == 1 else None


@dataclass(frozen=True, slots=True)
class TransferPolicy:
    """Who may transfer the zones of pool ``pool``."""

    pool: str
    keys: Mapping[dns.name.Name, TsigKey]
    hosts: frozenset[IPAddress]
    """The pool's nameservers and targets (host names are not resolved: list their
    addresses in ``allow_transfer``)."""
    networks: tuple[IPNetwork, ...]
    accepted: Mapping[dns.name.Name, TsigKey] = dataclasses.field(default_factory=dict)
    """Keys that may also sign a transfer (the TSIG key resources of the pool and the zone),
    without making signing required as ``keys`` do."""

    @classmethod
    def of(
        cls,
        pool: str,
        nameservers: Iterable[Mapping[str, Any]],
        targets: Sequence[Mapping[str, Any]],
        networks: Iterable[str],
    ) -> TransferPolicy:
        """The policy of a stored pool; ``networks`` are the ``dns.allow_transfer`` CIDRs."""
        hosts = [str(ns["host"]) for ns in nameservers]
        hosts += [str(t["options"]["host"]) for t in targets if "host" in (t.get("options") or {})]
        return cls(
            pool=pool,
            keys=pool_keys(targets),
            hosts=frozenset(a for a in map(_address, hosts) if a is not None),
            networks=tuple(ipaddress.ip_network(n, strict=False) for n in networks),
        )

    def refusal(self, source: str, keyname: dns.name.Name | None) -> str | None:
        """Why a transfer from ``source`` signed with ``keyname`` (already verified; None when
        unsigned) is refused, or None when it is allowed."""
        if keyname is not None and keyname in self.accepted:
            return None
        if self.keys:
            if keyname is None:
                return f"unsigned, and pool {self.pool} transfers only with its TSIG keys"
            if keyname not in self.keys:
                return f"signed with {keyname}, which is not a TSIG key of pool {self.pool}"
            return None
        if keyname is not None:
            return None
        address = _address(source)
        if address is None:
            return f"{source!r} is not an IP address"
        if address in self.hosts or any(address in network for network in self.networks):
            return None
        return (
            f"{address} is neither a nameserver or target of pool {self.pool} "
            "nor in dns.allow_transfer"
        )


def _address(text: str) -> IPAddress | None:
    """An IP address (an IPv4-mapped IPv6 one as its IPv4 address), or None for a name."""
    try:
        address = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
