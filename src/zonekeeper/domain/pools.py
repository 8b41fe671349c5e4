"""Pools as Designate's ``pools.yaml`` describes them: the pure model, reading a document
(the parsed YAML) into it with every reason collected, and writing it back
(``pool_plan`` turns the stored pools into the wanted ones).

No I/O here. A target's ``options`` belong to its backend, which this package may not import:
:func:`parse` takes a ``check_target`` callable for them (the CLI passes one built on
``backends.load``).

The JSON form (:func:`to_json` / :func:`from_json`) is both the ``pools.yaml`` entry and what
the ``pools`` table's JSON columns hold, so ``show`` then ``update`` is a no-op.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from zonekeeper.domain import errors

MAX_NAME: Final = 50
MAX_DESCRIPTION: Final = 160
POOL_KEYS: Final = frozenset(
    {"id", "name", "description", "attributes", "ns_records", "nameservers", "targets"}
    | {"also_notifies", "catalog_zone"}
)
TARGET_KEYS: Final = frozenset({"type", "description", "masters", "options", "tsigkey_id"})
CATALOG_KEYS: Final = frozenset(
    {"catalog_zone_fqdn", "catalog_zone_refresh", "catalog_zone_tsig_key"}
    | {"catalog_zone_tsig_algorithm"}
)
COMPARED: Final = (
    "name",
    "description",
    "attributes",
    "ns_records",
    "nameservers",
    "targets",
    "also_notifies",
)
"""The fields a plan compares, in the order it reports them (``catalog_zone`` is not stored)."""

_LABEL = r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)"
_FQDN = re.compile(rf"(?:{_LABEL}\.)+")
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")

TargetCheck = Callable[[str, Mapping[str, Any]], Sequence[tuple[str, str]]]
"""``(type, options) -> [(option key or "", problem), ...]``; empty when the target is fine."""


@dataclass(frozen=True, slots=True)
class NsRecord:
    """An apex NS of every zone in the pool; the lowest priority is the SOA MNAME."""

    hostname: str
    """Absolute, lower-case, with the trailing dot."""
    priority: int


@dataclass(frozen=True, slots=True)
class Server:
    """A host and port: a nameserver polled for serials, a master, or an also-notify."""

    host: str
    port: int
    tsigkey_id: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """Where zones are provisioned: ``type`` picks the backend, ``options`` configure it."""

    type: str
    description: str | None = None
    masters: tuple[Server, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    tsigkey_id: str | None = None


@dataclass(frozen=True, slots=True)
class PoolSpec:
    """One pool of a ``pools.yaml`` (``id`` None until matched or created)."""

    name: str
    id: str | None = None
    description: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    ns_records: tuple[NsRecord, ...] = ()
    """Sorted by (priority, hostname), as stored and shown."""
    nameservers: tuple[Server, ...] = ()
    targets: tuple[Target, ...] = ()
    also_notifies: tuple[Server, ...] = ()
    catalog_zone: Mapping[str, Any] | None = None
    """Accepted and checked, not stored: the pools table has no column for it yet."""

    @property
    def mname(self) -> str | None:
        """The SOA MNAME of the pool's zones: the first ns_record by priority."""
        return self.ns_records[0].hostname if self.ns_records else None


# -- reading a document ------------------------------------------------------------------------


class _Reasons:
    """Every problem of one document, each a FieldError whose message names the pool."""

    def __init__(self) -> None:
        self.errors: list[errors.FieldError] = []

    def add(self, path: tuple[str | int, ...], label: str | None, message: str) -> None:
        where = ".".join(str(part) for part in path[1:])
        text = f"{where}: {message}" if where else message
        text = text if label is None else f"pool {label}: {text}"
        self.errors.append(errors.FieldError(path, text))


@dataclass(slots=True)
class _Reader:
    """Reads one pool entry, noting problems against its path and label."""

    reasons: _Reasons
    index: int
    label: str

    def bad(self, path: tuple[str | int, ...], message: str) -> None:
        self.reasons.add((self.index, *path), self.label, message)

    def mapping(self, value: Any, path: tuple[str | int, ...], keys: frozenset[str]) -> bool:
        """True when ``value`` is a mapping whose keys are all in ``keys``."""
        if not isinstance(value, Mapping):
            self.bad(path, f"expected a mapping, got {_kind(value)}")
            return False
        for key in value:
            if key not in keys:
                self.bad((*path, str(key)), f"unknown key (expected one of {sorted(keys)})")
        return True

    def items(self, value: Any, path: tuple[str | int, ...]) -> list[Any]:
        """``value`` as a list (None is empty); notes anything else."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.bad(path, f"expected a list, got {_kind(value)}")
            return []
        return value

    def text(
        self, value: Any, path: tuple[str | int, ...], limit: int, required: bool = False
    ) -> str | None:
        if value is None:
            if required:
                self.bad(path, "is required")
            return None
        if not isinstance(value, str) or (required and not value):
            self.bad(path, f"expected a non-empty string, got {value!r}")
            return None
        if len(value) > limit:
            self.bad(path, f"longer than {limit} characters")
            return None
        return value

    def number(self, value: Any, path: tuple[str | int, ...], low: int, high: int) -> int | None:
        if value is None:
            self.bad(path, "is required")
        elif isinstance(value, bool) or not isinstance(value, int):
            self.bad(path, f"expected an integer, got {value!r}")
        elif not low <= value <= high:
            self.bad(path, f"{value} is not in {low}..{high}")
        else:
            return value
        return None

    def uuid(self, value: Any, path: tuple[str | int, ...]) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not _UUID.fullmatch(value):
            self.bad(path, f"{value!r} is not a UUID")
            return None
        return value.lower()

    def fqdn(self, value: Any, path: tuple[str | int, ...]) -> str | None:
        """An absolute hostname (trailing dot), lower-cased."""
        text = self.text(value, path, 255, required=True)
        if text is not None and not _FQDN.fullmatch(text):
            self.bad(path, f"{text!r} is not an absolute hostname ending with a dot")
            return None
        return text.lower() if text is not None else None

    def server(self, value: Any, path: tuple[str | int, ...], tsig: bool) -> Server | None:
        keys = frozenset({"host", "port", "tsigkey_id"} if tsig else {"host", "port"})
        if not self.mapping(value, path, keys):
            return None
        host = self.text(value.get("host"), (*path, "host"), 255, required=True)
        if host is not None and not _is_host(host):
            self.bad((*path, "host"), f"{host!r} is not an IP address or hostname")
            host = None
        port = self.number(value.get("port"), (*path, "port"), 1, 65535)
        tsigkey_id = self.uuid(value.get("tsigkey_id"), (*path, "tsigkey_id"))
        if host is None or port is None:
            return None
        return Server(host, port, tsigkey_id)

    def servers(self, value: Any, path: tuple[str | int, ...], tsig: bool = False) -> list[Server]:
        found = [
            self.server(item, (*path, i), tsig) for i, item in enumerate(self.items(value, path))
        ]
        return [server for server in found if server is not None]


def parse(document: Any, check_target: TargetCheck | None = None) -> tuple[PoolSpec, ...]:
    """The pools of a parsed ``pools.yaml`` (a list of mappings), checked in full.

    Checks every key of every pool (hostnames absolute with the trailing dot, priorities
    1..10000, ports 1..65535, ids UUIDs, names unique and at most 50 characters, no unknown
    keys) and, through ``check_target``, every target's options. Raises InvalidObject listing
    every problem at once; each message names the pool and the key (``pool 'default':
    targets.0.options.rndc_prot: ...``), each path is ``(pool index, key, ...)``.
    """
    reasons = _Reasons()
    if not isinstance(document, list):
        reasons.add((), None, f"expected a list of pools, got {_kind(document)}")
        raise errors.InvalidObject(reasons.errors, "Invalid pools file")
    specs = [_pool(reasons, index, entry, check_target) for index, entry in enumerate(document)]
    pools = tuple(spec for spec in specs if spec is not None)
    _check_unique(reasons, pools)
    if reasons.errors:
        raise errors.InvalidObject(reasons.errors, "Invalid pools file")
    return pools


def _pool(
    reasons: _Reasons, index: int, entry: Any, check_target: TargetCheck | None
) -> PoolSpec | None:
    name = entry.get("name") if isinstance(entry, Mapping) else None
    read = _Reader(reasons, index, repr(name) if isinstance(name, str) else f"#{index + 1}")
    if not read.mapping(entry, (), POOL_KEYS):
        return None
    before = len(reasons.errors)
    spec = PoolSpec(
        name=read.text(entry.get("name"), ("name",), MAX_NAME, required=True) or "",
        id=read.uuid(entry.get("id"), ("id",)),
        description=read.text(entry.get("description"), ("description",), MAX_DESCRIPTION),
        attributes=_attributes(read, entry.get("attributes")),
        ns_records=_ns_records(read, entry.get("ns_records")),
        nameservers=tuple(read.servers(entry.get("nameservers"), ("nameservers",), tsig=True)),
        targets=_targets(read, entry.get("targets"), check_target),
        also_notifies=tuple(read.servers(entry.get("also_notifies"), ("also_notifies",))),
        catalog_zone=_catalog_zone(read, entry.get("catalog_zone")),
    )
    return spec if len(reasons.errors) == before else None


def _attributes(read: _Reader, value: Any) -> dict[str, str]:
    """Designate's attributes are strings: scalars are kept as their text."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        read.bad(("attributes",), f"expected a mapping, got {_kind(value)}")
        return {}
    found: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, Mapping | list) or item is None:
            read.bad(("attributes", str(key)), f"expected a string, got {_kind(item)}")
        else:
            found[str(key)] = str(item).lower() if isinstance(item, bool) else str(item)
    return found


def _ns_records(read: _Reader, value: Any) -> tuple[NsRecord, ...]:
    path: tuple[str | int, ...] = ("ns_records",)
    found: list[NsRecord] = []
    for i, item in enumerate(read.items(value, path)):
        if not read.mapping(item, (*path, i), frozenset({"hostname", "priority"})):
            continue
        hostname = read.fqdn(item.get("hostname"), (*path, i, "hostname"))
        priority = read.number(item.get("priority"), (*path, i, "priority"), 1, 10000)
        if hostname is not None and priority is not None:
            found.append(NsRecord(hostname, priority))
    if value is None or (isinstance(value, list) and not value):
        read.bad(path, "at least one ns_record is required (the apex NS of the pool's zones)")
    hostnames = [record.hostname for record in found]
    for hostname in sorted({h for h in hostnames if hostnames.count(h) > 1}):
        read.bad(path, f"{hostname} is listed more than once")
    return tuple(sorted(found, key=lambda record: (record.priority, record.hostname)))


def _targets(read: _Reader, value: Any, check: TargetCheck | None) -> tuple[Target, ...]:
    path: tuple[str | int, ...] = ("targets",)
    found = [
        _target(read, item, (*path, i), check) for i, item in enumerate(read.items(value, path))
    ]
    return tuple(target for target in found if target is not None)


def _target(
    read: _Reader, item: Any, path: tuple[str | int, ...], check: TargetCheck | None
) -> Target | None:
    if not read.mapping(item, path, TARGET_KEYS):
        return None
    kind = read.text(item.get("type"), (*path, "type"), 255, required=True)
    options = item.get("options") or {}
    if not isinstance(options, Mapping):
        read.bad((*path, "options"), f"expected a mapping, got {_kind(options)}")
        options = {}
    if kind is not None and check is not None:
        for key, problem in check(kind, options):
            read.bad((*path, "options", key) if key else path, f"({kind}) {problem}")
    return Target(
        type=kind or "",
        description=read.text(item.get("description"), (*path, "description"), MAX_DESCRIPTION),
        masters=tuple(read.servers(item.get("masters"), (*path, "masters"))),
        options={str(key): option for key, option in options.items()},
        tsigkey_id=read.uuid(item.get("tsigkey_id"), (*path, "tsigkey_id")),
    )


def _catalog_zone(read: _Reader, value: Any) -> dict[str, Any] | None:
    path: tuple[str | int, ...] = ("catalog_zone",)
    if value is None or not read.mapping(value, path, CATALOG_KEYS):
        return None
    read.fqdn(value.get("catalog_zone_fqdn"), (*path, "catalog_zone_fqdn"))
    if value.get("catalog_zone_refresh") is not None:
        read.number(value["catalog_zone_refresh"], (*path, "catalog_zone_refresh"), 1, 2**31 - 1)
    return dict(value)


def _check_unique(reasons: _Reasons, pools: Sequence[PoolSpec]) -> None:
    for attribute in ("name", "id"):
        values = [getattr(pool, attribute) for pool in pools]
        for value in sorted({v for v in values if v is not None and values.count(v) > 1}):
            reasons.add((), repr(value), f"{attribute} {value!r} is used by more than one pool")


def _is_host(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return bool(_HOST.fullmatch(text)) and len(text) <= 255
    return True


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


# -- the JSON form -----------------------------------------------------------------------------


def to_json(spec: PoolSpec) -> dict[str, Any]:
    """``spec`` as a ``pools.yaml`` entry (and the stored JSON), keys in Designate's order."""
    return {
        "id": spec.id,
        "name": spec.name,
        "description": spec.description,
        "attributes": dict(spec.attributes),
        "ns_records": [{"hostname": r.hostname, "priority": r.priority} for r in spec.ns_records],
        "nameservers": [_server_json(server) for server in spec.nameservers],
        "targets": [_target_json(target) for target in spec.targets],
        "also_notifies": [_server_json(server) for server in spec.also_notifies],
    }


def _server_json(server: Server) -> dict[str, Any]:
    document: dict[str, Any] = {"host": server.host, "port": server.port}
    if server.tsigkey_id is not None:
        document["tsigkey_id"] = server.tsigkey_id
    return document


def _target_json(target: Target) -> dict[str, Any]:
    document: dict[str, Any] = {
        "type": target.type,
        "description": target.description,
        "masters": [_server_json(master) for master in target.masters],
        "options": dict(target.options),
    }
    if target.tsigkey_id is not None:
        document["tsigkey_id"] = target.tsigkey_id
    return document


def from_json(document: Mapping[str, Any]) -> PoolSpec:
    """The spec of stored JSON, trusted (it was checked when written); see :func:`to_json`."""
    ns_records = (NsRecord(str(r["hostname"]), int(r["priority"])) for r in document["ns_records"])
    return PoolSpec(
        id=document.get("id"),
        name=str(document["name"]),
        description=document.get("description"),
        attributes={str(k): str(v) for k, v in (document.get("attributes") or {}).items()},
        ns_records=tuple(sorted(ns_records, key=lambda r: (r.priority, r.hostname))),
        nameservers=_servers(document.get("nameservers")),
        targets=tuple(_target_of(target) for target in document.get("targets") or ()),
        also_notifies=_servers(document.get("also_notifies")),
    )


def _servers(documents: Iterable[Mapping[str, Any]] | None) -> tuple[Server, ...]:
    return tuple(
        Server(str(d["host"]), int(d["port"]), d.get("tsigkey_id")) for d in documents or ()
    )


def _target_of(document: Mapping[str, Any]) -> Target:
    return Target(
        type=str(document["type"]),
        description=document.get("description"),
        masters=_servers(document.get("masters")),
        options=dict(document.get("options") or {}),
        tsigkey_id=document.get("tsigkey_id"),
    )
