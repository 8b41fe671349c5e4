"""The one composition root: ``build(settings, roles)`` wires storage, services and the roles
asked for (API, worker with the periodic tasks, mini-DNS, sink); ``App.serve`` runs them in one
asyncio process until a signal stops it. ``zonekeeper serve`` runs them all; ``zonekeeper api``,
``worker``, ``mdns`` and ``sink`` one each, as many copies as wanted on a shared database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import uvicorn

from zonekeeper.api.app import create_app
from zonekeeper.config import Settings, connect_address, parse_hostport
from zonekeeper.dns.server import MiniDns
from zonekeeper.integrations import neutron, nova
from zonekeeper.service import policy, statuses
from zonekeeper.service import pools as pool_service
from zonekeeper.service.env import ExistingIds, ServiceEnv
from zonekeeper.sink.consumer import Consumer
from zonekeeper.storage import migrate
from zonekeeper.storage.database import Database
from zonekeeper.worker import audit, managed_audit
from zonekeeper.worker.reconciler import Worker

log = logging.getLogger("zonekeeper")


class Role(StrEnum):
    API = "api"
    WORKER = "worker"
    """The reconciler and the periodic tasks (audits, journal trimming)."""
    MDNS = "mdns"
    SINK = "sink"


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
    _api: uvicorn.Server | None = None

    async def serve(self) -> None:
        """Run the roles until SIGINT/SIGTERM, then stop cleanly."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
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
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
            await migrate.upgrade(db.url)
        if self.mini_dns is not None:
            dns_host, dns_port = await self.mini_dns.start()
            log.info("mini-DNS listening on %s:%d (udp+tcp)", dns_host, dns_port)
            # While the default pool is the embedded one, this mini-DNS is its nameserver (with
            # several `mdns` processes, the last one started; they all serve the same data).
            address = (connect_address(dns_host), dns_port)
            await pool_service.ensure_default_pool(self.env, [address])
        if Role.API in self.roles:
            # First in _tasks: _stop lets it finish the requests in flight.
            self._api, api_task = await _start_api(self.env, self.settings)
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
        """Each role's counters, for its heartbeat."""
        stats: dict[str, dict[str, int]] = {}
        if Role.API in self.roles:
            stats["api"] = {}
        if self.mini_dns is not None:
            stats["mdns"] = dict(self.mini_dns.stats)
        if self.worker is not None:
            stats["worker"] = dict(self.worker.stats)
        if self.sink is not None:
            stats["sink"] = self.sink.report()
        return stats

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
        if self.mini_dns is not None:
            await self.mini_dns.stop()
        await self.env.db.close()


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
    return ServiceEnv(
        db=db,
        settings=settings,
        floating_ips=floating_ips,
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


async def _start_api(
    env: ServiceEnv, settings: Settings
) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    host, port = parse_hostport(settings.api.listen, 9001)
    config = uvicorn.Config(
        create_app(env),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
    )
    server = _ApiServer(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises the bind error
            raise RuntimeError("API server stopped while starting")
        await asyncio.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()
    log.info("API listening on http://%s:%d", _url_host(bound[0]), bound[1])
    return server, task


class _ApiServer(uvicorn.Server):
    """uvicorn without its own signal handlers: ``App.serve`` owns SIGINT/SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _url_host(host: str) -> str:
    try:
        socket.inet_pton(socket.AF_INET6, host)
    except OSError:
        return host
    return f"[{host}]"
