"""The one composition root: ``build(settings, roles)`` wires storage, services and the roles
asked for (API, worker with the periodic tasks, mini-DNS, sink); ``App.serve`` runs them in one
asyncio process until a signal stops it. ``zonekeeper serve`` runs them all; ``zonekeeper api``,
``worker``, ``mdns`` and ``sink`` one each, as many copies as wanted on a shared database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import signal
import socket
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from zonekeeper.api import server as api_server
from zonekeeper.api.app import create_app
from zonekeeper.config import Settings, connect_address, parse_hostport
from zonekeeper.dns.server import MiniDns
from zonekeeper.integrations import keystone, neutron, nova
from zonekeeper.service import policy, statuses
from zonekeeper.service import pools as pool_service
from zonekeeper.service.env import ExistingIds, ServiceEnv
from zonekeeper.sink.consumer import Consumer
from zonekeeper.storage import migrate
from zonekeeper.storage.database import Database
from zonekeeper.worker import audit, managed_audit
from zonekeeper.worker.reconciler import Worker

log = logging.getLogger("zonekeeper")


class ListenError(Exception):
    """A role cannot listen on its address (in use, not this machine's, not permitted); the
    message is one line naming the role, the address and the reason."""


class Role(StrEnum):
    API = "api"
    WORKER = "worker"
    """The reconciler and the periodic tasks (audits, journal trimming)."""
    MDNS = "mdns"
    SINK = "sink"


DESIGNATE_SERVICES: dict[Role, tuple[str, ...]] = {
    Role.API: ("api", "central"),
    Role.WORKER: ("worker", "producer"),
    Role.MDNS: ("mdns",),
    Role.SINK: ("sink",),
}
"""The Designate services each role does the work of, as ``/v2/service_statuses`` names them
(Designate's clients and tempest look for central, mdns, worker and producer). The first
carries the role's counters. An API process also does central's job (rules, policy, quotas,
storage writes run in its requests, through service/); a worker also does producer's (the
periodic tasks: recovery sweep, audits, journal trimming). A process reports one status per
name, so ``central`` is UP exactly while some API process is."""


def designate_stats(
    roles: Iterable[Role], counters: Mapping[Role, dict[str, int]]
) -> dict[str, dict[str, int]]:
    """The heartbeats of a process running ``roles``: one per Designate service name, the
    role's ``counters`` under its first name, nothing under the others."""
    stats: dict[str, dict[str, int]] = {}
    for role in sorted(roles):
        first, *others = DESIGNATE_SERVICES[role]
        stats[first] = counters.get(role, {})
        stats.update((name, {}) for name in others)
    return stats


def serve_roles(settings: Settings) -> frozenset[Role]:
    """What ``zonekeeper serve`` runs: everything, the sink only when a broker is configured."""
    roles = {Role.API, Role.WORKER, Role.MDNS}
    if settings.sink.broker_url:
        roles.add(Role.SINK)
    return frozenset(roles)


@dataclass
class App:
    settings: Settings
    env: ServiceEnv
    roles: frozenset[Role]
    mini_dns: MiniDns | None = None
    worker: Worker | None = None
    sink: Consumer | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _api: api_server.Server | None = None
    _api_socket: socket.socket | None = None

    async def serve(self) -> None:
        """Run the roles until SIGINT/SIGTERM, then stop cleanly."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        raise_open_files_limit()
        try:
            await self._start()
            await stop.wait()
            log.info("stopping")
        finally:
            await self._stop()

    async def _start(self) -> None:
        db = self.env.db
        if db.is_sqlite:
            # The embedded default migrates itself; shared databases use `zonekeeper db upgrade`.
            await migrate.upgrade(db.url)
        else:
            await migrate.require_current(db.url)
        if Role.API in self.roles:
            # Bound before anything starts, so an address in use stops us before we serve.
            self._api_socket = _listen_socket(self.settings.api.listen)
        if self.mini_dns is not None:
            try:
                dns_host, dns_port = await self.mini_dns.start()
            except OSError as error:
                listen = self.settings.dns.listen
                raise ListenError(
                    f"the mini-DNS cannot listen on {listen}: {_why(error)}"
                ) from error
            log.info("mini-DNS listening on %s:%d (udp+tcp)", dns_host, dns_port)
            # While the default pool is the embedded one, this mini-DNS is its nameserver (with
            # several `mdns` processes, the last one started; they all serve the same data).
            address = (connect_address(dns_host), dns_port)
            await pool_service.ensure_default_pool(self.env, [address])
        if self._api_socket is not None:
            # First in _tasks: _stop lets it finish the requests in flight.
            self._api, api_task = await api_server.start(
                create_app(self.env), self.settings.api, self._api_socket
            )
            self._tasks.append(api_task)
        if self.worker is not None:
            await self.env.db.listen_for_wakeups()
            self._tasks.append(asyncio.create_task(self.worker.run()))
            self._tasks += [asyncio.create_task(job) for job in periodic_audits(self.env)]
            sweep = self.settings.worker.sweep_interval
            wakeups = (
                "every commit (LISTEN/NOTIFY)"
                if self.env.db.dialect == "postgresql"
                else f"commits of this process, and a sweep every {sweep} s"
            )
            log.info("worker running, woken by %s", wakeups)
        if self.sink is not None:
            self._tasks.append(asyncio.create_task(self.sink.run()))
        self._tasks.append(asyncio.create_task(statuses.heartbeat_forever(self.env, self._stats)))

    def _stats(self) -> dict[str, dict[str, int]]:
        """Each Designate service's counters, for its heartbeat (see DESIGNATE_SERVICES)."""
        counters: dict[Role, dict[str, int]] = {Role.API: {}}
        if self.mini_dns is not None:
            counters[Role.MDNS] = dict(self.mini_dns.stats)
        if self.worker is not None:
            counters[Role.WORKER] = dict(self.worker.stats)
        if self.sink is not None:
            counters[Role.SINK] = self.sink.report()
        return designate_stats(self.roles, counters)

    async def _stop(self) -> None:
        """Stop accepting requests (letting in-flight ones finish), then everything else."""
        first = 0
        if self._api is not None:
            self._api.should_exit = True
            first = 1
        for task in self._tasks[first:]:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._api_socket is not None:
            self._api_socket.close()  # idempotent; uvicorn closes it too once it has it
        if self.mini_dns is not None:
            await self.mini_dns.stop()
        await self.env.db.close()


def raise_open_files_limit() -> None:
    """Raise this process's soft open-files limit to the hard one: the soft default (often
    1024) is what a flood of HTTP connections would exhaust, starving the mini-DNS and the
    database of descriptors (the API's connection cap is fitted to the raised limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == hard:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (OSError, ValueError) as error:  # e.g. an unlimited hard value the kernel refuses
        log.warning("open-files limit stays at %d: %s", soft, error)
        return
    log.info("open-files limit raised from %d to %d", soft, hard)


def periodic_audits(env: ServiceEnv) -> list[Coroutine[Any, Any, None]]:
    """The audits a worker runs periodically: the pool audits always; the managed-record audit
    when Nova or Neutron is configured and its interval is not 0."""
    worker = env.settings.worker
    audits = [audit.periodic(env, worker.audit_interval)]
    if env.inventory and worker.managed_audit_interval > 0:
        interval, threshold = worker.managed_audit_interval, worker.managed_audit_threshold
        audits.append(managed_audit.periodic(env, interval, threshold))
    return audits


def build(settings: Settings, roles: frozenset[Role] | None = None) -> App:
    """Wire ``roles`` (default: those of ``serve``) from ``settings``; nothing is started or
    opened until ``serve``."""
    roles = serve_roles(settings) if roles is None else roles
    env = service_env(settings)
    return App(
        settings=settings,
        env=env,
        roles=roles,
        mini_dns=MiniDns(env.db, settings.dns) if Role.MDNS in roles else None,
        worker=Worker(env) if Role.WORKER in roles else None,
        sink=Consumer(env, settings.sink) if Role.SINK in roles else None,
    )


def service_env(settings: Settings) -> ServiceEnv:
    """The database and the clients of Neutron and Nova (those with endpoints), wired for the
    service layer; opens nothing yet."""
    db = Database(settings.effective_database_url())
    floating_ips = None
    if settings.network_api.endpoints:
        floating_ips = neutron.NeutronClient(settings.network_api)
    projects = None
    if settings.api.auth.strategy == "keystone":
        authtoken = settings.keystone_authtoken
        verify: bool | str = authtoken.cafile or not authtoken.insecure
        projects = keystone.KeystoneProjects(authtoken.auth_url, verify=verify)
    return ServiceEnv(
        db=db,
        settings=settings,
        floating_ips=floating_ips,
        projects=projects,
        inventory=inventory(settings),
        policy=policy.load(settings),
    )


def inventory(settings: Settings) -> dict[str, ExistingIds]:
    """How to ask which resources of each managed kind exist: only the kinds whose service has
    endpoints (the others are never judged)."""
    found: dict[str, ExistingIds] = {}
    if settings.network_api.endpoints:
        network = neutron.NeutronClient(settings.network_api)
        found |= {"floatingip": network.floatingip_ids, "port": network.port_ids}
    if settings.compute_api.endpoints:
        found["instance"] = nova.NovaClient(settings.compute_api).instance_ids
    return found


def _listen_socket(listen: str) -> socket.socket:
    """A TCP socket listening on ``listen`` (HOST:PORT, the first address HOST resolves to).
    Raises ListenError."""
    host, port = parse_hostport(listen, 9001)
    try:
        return api_server.listen(host, port)
    except OSError as error:
        raise ListenError(f"the API cannot listen on {listen}: {_why(error)}") from error


def _why(error: OSError) -> str:
    """The reason alone ("Address already in use"): asyncio and socket.create_server wrap it
    in text of their own that repeats the address."""
    if isinstance(error, socket.gaierror) or not error.errno:
        return error.strerror or str(error)
    return os.strerror(error.errno)
