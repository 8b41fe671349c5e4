"""The one composition root: ``build(settings)`` wires storage, services, API, mini-DNS and
worker; ``App.serve`` runs every role in one asyncio process until a signal stops it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import uvicorn

from zonekeeper.api.app import create_app
from zonekeeper.config import Settings, connect_address, parse_hostport
from zonekeeper.dns.server import MiniDns
from zonekeeper.integrations import neutron
from zonekeeper.service import pools as pool_service
from zonekeeper.service import statuses
from zonekeeper.service.env import ServiceEnv
from zonekeeper.sink.consumer import Consumer
from zonekeeper.storage import migrate
from zonekeeper.storage.database import Database
from zonekeeper.worker import audit
from zonekeeper.worker.reconciler import Worker

log = logging.getLogger("zonekeeper")


@dataclass
class App:
    settings: Settings
    env: ServiceEnv
    mini_dns: MiniDns
    worker: Worker
    sink: Consumer | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _api: uvicorn.Server | None = None

    async def serve(self) -> None:
        """Run API, mini-DNS, worker and periodic tasks until SIGINT/SIGTERM, then stop cleanly."""
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
        dns_host, dns_port = await self.mini_dns.start()
        log.info("mini-DNS listening on %s:%d (udp+tcp)", dns_host, dns_port)
        await pool_service.ensure_default_pool(self.env, [(connect_address(dns_host), dns_port)])
        self._api, api_task = await _start_api(self.env, self.settings)
        self._tasks += [
            api_task,
            asyncio.create_task(self.worker.run()),
            asyncio.create_task(statuses.heartbeat_forever(self.env, self._stats)),
            asyncio.create_task(audit.periodic(self.env, self.settings.worker.audit_interval)),
        ]
        if self.settings.sink.broker_url:
            self.sink = Consumer(self.env, self.settings.sink)
            self._tasks.append(asyncio.create_task(self.sink.run()))

    def _stats(self) -> dict[str, dict[str, int]]:
        stats = {"mdns": dict(self.mini_dns.stats), "worker": dict(self.worker.stats)}
        if self.sink is not None:
            stats["sink"] = self.sink.report()
        return stats

    async def _stop(self) -> None:
        """Stop accepting requests (letting in-flight ones finish), then everything else."""
        if self._api is not None:
            self._api.should_exit = True
        for task in self._tasks[1:]:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.mini_dns.stop()
        await self.env.db.close()


def build(settings: Settings) -> App:
    """Wire every part from ``settings``; nothing is started or opened until ``serve``."""
    db = Database(settings.effective_database_url())
    floating_ips = None
    if settings.network_api.endpoints:
        floating_ips = neutron.NeutronClient(settings.network_api)
    env = ServiceEnv(db=db, settings=settings, floating_ips=floating_ips)
    return App(settings=settings, env=env, mini_dns=MiniDns(db, settings.dns), worker=Worker(env))


async def run_sink(settings: Settings) -> None:
    """`zonekeeper sink`: only the sink (and its heartbeat) until SIGINT/SIGTERM."""
    env = ServiceEnv(db=Database(settings.effective_database_url()), settings=settings)
    if env.db.is_sqlite:  # as `serve`: the embedded database migrates itself
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await migrate.upgrade(env.db.url)
    sink = Consumer(env, settings.sink)
    tasks = [
        asyncio.create_task(sink.run()),
        asyncio.create_task(statuses.heartbeat_forever(env, lambda: {"sink": sink.report()})),
    ]
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await env.db.close()


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
