"""The one composition root: ``build(settings, roles)`` wires storage, services and the roles
asked for (API, worker with the periodic tasks, mini-DNS, sink); ``App.serve`` runs them in one
asyncio process until a signal stops it. ``zonekeeper serve`` runs them all; ``zonekeeper api``,
``worker``, ``mdns`` and ``sink`` one each, as many copies as wanted on a shared database."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import resource
import signal
import socket
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from zonekeeper.api import probes
from zonekeeper.api import server as api_server
from zonekeeper.api.app import create_app
from zonekeeper.config import Settings, connect_address, parse_hostport
from zonekeeper.dns.server import MiniDns
from zonekeeper.integrations import keystone, neutron, nova
from zonekeeper.service import policy, readiness, statuses
from zonekeeper.service import pools as pool_service
from zonekeeper.service.env import ExistingIds, ServiceEnv, utcnow
from zonekeeper.sink.consumer import Consumer
from zonekeeper.sink.metrics import SinkCollector
from zonekeeper.storage import migrate
from zonekeeper.storage.database import Database
from zonekeeper.telemetry.health import Health
from zonekeeper.telemetry.metrics import Metrics
from zonekeeper.web import app as web_app
from zonekeeper.worker import audit, canary, figures, managed_audit
from zonekeeper.worker.reconciler import Worker
from zonekeeper.worker.refresher import Refresher

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
    roles: Iterable[Role], counters: Mapping[Role, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The heartbeats of a process running ``roles``: one per Designate service name, the
    role's ``counters`` under its first name, nothing under the others."""
    stats: dict[str, dict[str, Any]] = {}
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
    metrics: Metrics = field(default_factory=Metrics)
    health: Health = field(default_factory=Health)
    mini_dns: MiniDns | None = None
    worker: Worker | None = None
    refresher: Refresher | None = None
    """SECONDARY zones' transfers in: runs wherever the worker does."""
    sink: Consumer | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _api: api_server.Server | None = None
    _api_socket: socket.socket | None = None
    dns_address: tuple[str, int] | None = None
    """Where the mini-DNS answers (the default pool's nameserver while that is embedded)."""
    canaries: dict[str, Any] = field(default_factory=dict)
    """The latest resolution probe per pool (worker/canary.py), heartbeated for `status`."""
    _probe: api_server.Server | None = None
    _probe_socket: socket.socket | None = None

    @property
    def api_address(self) -> tuple[str, int] | None:
        """(host, port) the API listens on, once started."""
        return _bound(self._api_socket)

    @property
    def telemetry_address(self) -> tuple[str, int] | None:
        """(host, port) of the telemetry listener (``telemetry.listen``), once started."""
        return _bound(self._probe_socket)

    async def serve(self) -> None:
        """Run the roles until SIGINT/SIGTERM, then stop cleanly."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        raise_open_files_limit()
        try:
            await self.start()
            await stop.wait()
            log.info("stopping")
        finally:
            await self.stop()

    async def start(self) -> None:
        """Start the roles (and the listeners); returns once they serve. Pair with stop."""
        db = self.env.db
        if db.is_sqlite:
            # The embedded default migrates itself; shared databases use `zonekeeper db upgrade`.
            await migrate.upgrade(db.url)
        else:
            await migrate.require_current(db.url)
        if Role.API in self.roles:
            # Bound before anything starts, so an address in use stops us before we serve.
            self._api_socket = _listen_socket(self.settings.api.listen)
        if self.settings.telemetry.listen:
            self._probe_socket = _listen_socket(
                self.settings.telemetry.listen, "telemetry listener", 9101
            )
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
            self.dns_address = address
            await pool_service.ensure_default_pool(self.env, [address])
        if self._api_socket is not None:
            # First in _tasks: stop lets it finish the requests in flight.
            self._api, api_task = await api_server.start(
                web_app.create(create_app(self.env, self.metrics, self.health), self.settings),
                self.settings.api,
                self._api_socket,
            )
            self._tasks.append(api_task)
            log.info("web UI on http://%s:%d/ui/", *api_server.address(self._api))
        if self.worker is not None:
            await self.env.db.listen_for_wakeups()
            self._tasks.append(asyncio.create_task(self.worker.run()))
            self.refresher = Refresher(self.env)
            self._tasks.append(asyncio.create_task(self.refresher.run()))
            self._tasks += [asyncio.create_task(job) for job in periodic_audits(self.env)]
            if self.settings.telemetry.canary_zones:
                probes_job = canary.periodic(self.env, self.metrics, self.canaries)
                self._tasks.append(asyncio.create_task(probes_job))
            sweep = self.settings.worker.sweep_interval
            wakeups = (
                "every commit (LISTEN/NOTIFY)"
                if self.env.db.dialect == "postgresql"
                else f"commits of this process, and a sweep every {sweep} s"
            )
            log.info("worker running, woken by %s", wakeups)
        if self.sink is not None:
            self._tasks.append(asyncio.create_task(self.sink.run()))
        self._tasks.append(
            asyncio.create_task(statuses.heartbeat_forever(self.env, self.role_stats))
        )
        if self._probe_socket is not None:
            app = probes.standalone(self.health, self.metrics)
            self._probe, task = await api_server.start(
                app, self.settings.api, self._probe_socket, "telemetry (/healthz /readyz /metrics)"
            )
            self._tasks.append(task)

    def role_stats(self) -> dict[str, dict[str, Any]]:
        """Each Designate service's counters, for its heartbeat (see DESIGNATE_SERVICES); the
        worker's with its latest canaries."""
        counters: dict[Role, dict[str, Any]] = {Role.API: {}}
        if self.mini_dns is not None:
            counters[Role.MDNS] = dict(self.mini_dns.stats)
        if self.worker is not None:
            counters[Role.WORKER] = dict(self.worker.stats)
            if self.refresher is not None:
                counters[Role.WORKER] |= self.refresher.stats
            if self.canaries:
                counters[Role.WORKER]["canaries"] = self.canaries
        if self.sink is not None:
            counters[Role.SINK] = self.sink.report()
        return designate_stats(self.roles, counters)

    async def stop(self) -> None:
        """Stop accepting requests (letting in-flight ones finish), then everything else."""
        first = 0
        if self._api is not None:
            self._api.should_exit = True
            first = 1
        if self._probe is not None:
            self._probe.should_exit = True
        for task in self._tasks[first:]:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for listener in (self._api_socket, self._probe_socket):
            if listener is not None:
                listener.close()  # idempotent; uvicorn closes it too once it has it
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


def build(
    settings: Settings,
    roles: frozenset[Role] | None = None,
    now: Callable[[], datetime] = utcnow,
) -> App:
    """Wire ``roles`` (default: those of ``serve``) from ``settings``, on the clock ``now``
    (naive UTC); nothing is started or opened until ``serve``."""
    roles = serve_roles(settings) if roles is None else roles
    env = dataclasses.replace(service_env(settings), now=now)
    metrics = Metrics()
    app = App(
        settings=settings,
        env=env,
        roles=roles,
        metrics=metrics,
        health=Health(settings.telemetry.ready_timeout),
        mini_dns=MiniDns(env.db, settings.dns, metrics) if Role.MDNS in roles else None,
        worker=Worker(env, metrics) if Role.WORKER in roles else None,
        sink=Consumer(env, settings.sink) if Role.SINK in roles else None,
    )
    observe(app)
    return app


def observe(app: App) -> None:
    """Wire the process's metrics and readiness checks to the roles it runs (docs/metrics.md,
    README's health section): the database for all; the worker exports the database-wide
    figures (one kind of process does, so they are not repeated by every API process)."""
    env, metrics, health = app.env, app.metrics, app.health
    env.db.on_transaction = metrics.db_transaction.observe

    async def pool_in_use() -> None:
        metrics.db_in_use.set(env.db.connections_in_use())

    metrics.before_scrape(pool_in_use)
    health.add("database", lambda: readiness.database_problem(env))
    if app.worker is not None:
        metrics.before_scrape(lambda: figures.refresh(env, metrics))
        health.add("worker", lambda: figures.backlog_problem(env))
    if app.mini_dns is not None:
        mini_dns = app.mini_dns

        async def mdns_problem() -> str | None:
            return None if mini_dns.listening else "the mini-DNS is not listening"

        health.add("mdns", mdns_problem)
    if app.sink is not None:
        sink = app.sink
        metrics.add_collector(SinkCollector(sink))

        async def sink_problem() -> str | None:
            connection = sink.connection
            if not sink.ready.is_set() or connection is None or connection.is_closed:
                return "not consuming from the broker"
            return None

        health.add("sink", sink_problem)


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


def _listen_socket(listen: str, what: str = "API", default_port: int = 9001) -> socket.socket:
    """A TCP socket listening on ``listen`` (HOST:PORT, the first address HOST resolves to).
    Raises ListenError."""
    host, port = parse_hostport(listen, default_port)
    try:
        return api_server.listen(host, port)
    except OSError as error:
        raise ListenError(f"the {what} cannot listen on {listen}: {_why(error)}") from error


def _bound(listener: socket.socket | None) -> tuple[str, int] | None:
    if listener is None or listener.fileno() < 0:
        return None
    host, port = listener.getsockname()[:2]
    return str(host), int(port)


def _why(error: OSError) -> str:
    """The reason alone ("Address already in use"): asyncio and socket.create_server wrap it
    in text of their own that repeats the address."""
    if isinstance(error, socket.gaierror) or not error.errno:
        return error.strerror or str(error)
    return os.strerror(error.errno)
