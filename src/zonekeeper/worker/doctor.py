"""`zonekeeper doctor`: walk the chain API/DB -> mini-DNS -> targets -> nameservers for a zone
and name the broken link in plain words. It changes nothing; the one message that could make a
server act is a NOTIFY (at most an SOA check), see ``transfer_checks``."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dns.exception
import dns.query
import dns.zone

from zonekeeper import backends
from zonekeeper.config import Settings, connect_address, parse_hostport
from zonekeeper.domain import transfers
from zonekeeper.domain.models import ListQuery, Zone
from zonekeeper.service import context, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import pools, tsigkeys
from zonekeeper.storage.pools import Pool
from zonekeeper.worker import probe, targets, transfer_checks
from zonekeeper.worker.plan import Reason

TIMEOUT = 2.0


@dataclass(frozen=True, slots=True)
class Finding:
    ok: bool
    where: str
    """The link of the chain: "database", "mini-DNS 127.0.0.1:5354", "nameserver …", …"""
    what: str


async def diagnose(env: ServiceEnv, zone_name: str) -> list[Finding]:
    """Every check for ``zone_name``, in the order a change travels."""
    zone = await find_zone(env, zone_name)
    if zone is None:
        return [Finding(False, "database", f"no zone named {zone_name}")]
    async with env.db.read() as conn:
        pool = await pools.get_pool(conn, zone.pool_id)
        pool = pool and await tsigkeys.resolve(conn, pool)  # targets' keys by tsigkey_id
    findings = [_database(zone)]
    if pool is None:
        return [*findings, Finding(False, "database", f"pool {zone.pool_id} is missing")]
    mini_dns = _mini_dns_address(pool, env.settings)
    keys = list(transfers.pool_keys(pool.targets).values())
    findings += await _mini_dns(zone, mini_dns, keys[0] if keys else None)
    for target in pool.targets:
        findings += await _target(zone, target, mini_dns)
    findings += await _nameservers(zone, pool, env.settings)
    return findings


async def find_zone(env: ServiceEnv, name: str) -> Zone | None:
    """The zone named ``name`` (trailing dot optional, any case), or None."""
    absolute = name if name.endswith(".") else name + "."
    ctx = context.internal()
    page = await zones.list(ctx, env, ListQuery(limit=1, filters={"name": absolute.lower()}))
    return page.items[0] if page.items else None


def _mini_dns_address(pool: Pool, settings: Settings) -> tuple[str, int]:
    """Where the mini-DNS listens: for the embedded pool its nameserver (``serve`` records the
    address it bound), else the configured ``dns.listen`` (the targets' masters must match it;
    that is one of the checks)."""
    if any(t["type"] == "embedded" for t in pool.targets) and pool.nameservers:
        return str(pool.nameservers[0]["host"]), int(pool.nameservers[0]["port"])
    host, port = parse_hostport(settings.dns.listen, 5354)
    return connect_address(host), port


def _database(zone: Zone) -> Finding:
    state = f"{zone.name} is {zone.status.value}/{zone.action.value} at serial {zone.serial}"
    if zone.status.value == "ACTIVE":
        return Finding(True, "database", state)
    reason = f"; last attempt: {zone.last_error}" if zone.last_error else ""
    return Finding(zone.status.value != "ERROR", "database", state + reason)


async def _mini_dns(
    zone: Zone, address: tuple[str, int], key: transfers.TsigKey | None
) -> list[Finding]:
    host, port = address
    where = f"mini-DNS {host}:{port}"
    observed = await probe.soa_serial(zone.name, host, port, TIMEOUT)
    if observed.serial is None:
        why = (observed.failure or Reason.NOT_AUTHORITATIVE).value
        return [Finding(False, where, f"does not serve the zone's SOA ({why}): is serve running?")]
    findings = [Finding(observed.serial == zone.serial, where, f"SOA serial {observed.serial}")]
    try:
        transferred = await asyncio.to_thread(_axfr, zone.name, host, port, key)
    except (dns.exception.DNSException, OSError) as error:
        return [*findings, Finding(False, where, f"AXFR failed: {error}")]
    count = sum(len(rds) for _, node in transferred.nodes.items() for rds in node.rdatasets)
    signed = f", signed with TSIG key {key.name}" if key is not None else ""
    return [*findings, Finding(True, where, f"AXFR complete, {count} records{signed}")]


async def _target(
    zone: Zone, target: Mapping[str, Any], mini_dns: tuple[str, int]
) -> list[Finding]:
    kind = str(target["type"])
    where = f"target {targets.describe(target)}"
    findings = _masters(target, mini_dns, where)
    if kind == "embedded":
        return [*findings, Finding(True, where, "the mini-DNS itself serves the zone")]
    try:
        backend = backends.load(kind, target.get("options") or {})
        held = await backend.list_zones()
    except ValueError as error:
        return [*findings, Finding(False, where, f"invalid options: {error}")]
    except backends.BackendError as error:
        return [*findings, Finding(False, where, f"control channel unreachable: {error}")]
    present = zone.name in held
    what = "holds the zone" if present else "does not hold the zone (not provisioned yet?)"
    return [*findings, Finding(present, where, what)]


def _masters(target: Mapping[str, Any], mini_dns: tuple[str, int], where: str) -> list[Finding]:
    """A target whose masters don't include the mini-DNS's port transfers from nowhere."""
    masters = [(str(m["host"]), int(m["port"])) for m in target.get("masters") or []]
    if not masters or target["type"] == "embedded":
        return []
    ports = {port for _, port in masters}
    if mini_dns[1] in ports:
        return [Finding(True, where, f"transfers from {_pairs(masters)}")]
    return [
        Finding(
            False,
            where,
            f"masters {_pairs(masters)} do not include the mini-DNS port {mini_dns[1]}: "
            "port mismatch, the server cannot transfer the zone",
        )
    ]


async def _nameservers(zone: Zone, pool: Pool, settings: Settings) -> list[Finding]:
    findings = []
    if not pool.nameservers:
        return [Finding(False, "pool", f"pool {pool.name} has no nameservers to verify against")]
    for entry in pool.nameservers:
        host, port = str(entry["host"]), int(entry["port"])
        observed = await probe.soa_serial(zone.name, host, port, TIMEOUT)
        findings.append(_nameserver(zone, host, port, observed.serial, observed.failure))
        if not _is_embedded(pool):
            findings += await _transfer_link(zone, pool, host, port, settings)
    return findings


async def _transfer_link(
    zone: Zone, pool: Pool, host: str, port: int, settings: Settings
) -> list[Finding]:
    """Can the nameserver transfer from the mini-DNS, and does it take our NOTIFY?"""
    where = f"nameserver {host}:{port}"
    policy = transfers.TransferPolicy.of(
        pool.name, pool.nameservers, pool.targets, settings.dns.allow_transfer
    )
    key = transfers.key_for(pool.targets, host, port)
    checks = [transfer_checks.transfer_access(policy, host, key)]
    notified = await transfer_checks.notify_accepted(zone.name, host, port, key, TIMEOUT)
    checks += [notified] if notified is not None else []
    return [Finding(check.ok, where, check.what) for check in checks]


def _is_embedded(pool: Pool) -> bool:
    """The mini-DNS is the pool's nameserver: there is no transfer to check."""
    return all(target.get("type") == "embedded" for target in pool.targets)


def _nameserver(
    zone: Zone, host: str, port: int, serial: int | None, failure: Reason | None
) -> Finding:
    where = f"nameserver {host}:{port}"
    if failure in (Reason.TIMEOUT, Reason.NETWORK_ERROR):
        return Finding(False, where, "does not answer: is the server running on this port?")
    if failure == Reason.REFUSED:
        return Finding(False, where, "refuses the zone: it is not (yet) a secondary for it")
    if serial is None:
        return Finding(False, where, "answers without authority for the zone")
    if serial < zone.serial:
        return Finding(
            False,
            where,
            f"serves serial {serial}, behind {zone.serial}: it has not transferred the change "
            "(check that it can reach the mini-DNS and that transfers are allowed)",
        )
    return Finding(True, where, f"serves serial {serial}")


def _axfr(name: str, host: str, port: int, key: transfers.TsigKey | None) -> dns.zone.Zone:
    keyring = {key.dns_name: key.to_dnspython()} if key is not None else None
    return dns.zone.from_xfr(dns.query.xfr(host, name, port=port, timeout=TIMEOUT, keyring=keyring))


def _pairs(pairs: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{host}:{port}" for host, port in pairs)
