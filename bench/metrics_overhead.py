"""What the metrics cost the API's hot path: recordset creates and `GET /` through the whole
ASGI application in this process (no sockets, so the figures do not drown in the machine's
load), with the request metrics and the transaction timer, against the same application
without them (the in-run baseline), interleaved round by round. Then the price of one
labelled counter increment and one histogram observation.

Target: no measurable difference (the medians within the rounds' own spread).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from _common import machine
from prometheus_client import CollectorRegistry, Counter, Histogram

from zonekeeper.api import observe
from zonekeeper.api.app import create_app
from zonekeeper.app import service_env
from zonekeeper.config import Settings
from zonekeeper.service import pools
from zonekeeper.storage import migrate
from zonekeeper.telemetry.metrics import Metrics

HEADERS = {"X-Auth-Project-ID": "bench"}


async def client(directory: Path, metrics: bool) -> tuple[httpx.AsyncClient, str]:
    """A client of a fresh application on its own SQLite database, and its zone's id."""
    settings = Settings(
        data_dir=directory, quotas={"zones": -1, "zone_recordsets": -1, "zone_records": -1}
    )
    await migrate.upgrade(settings.effective_database_url())
    env = service_env(settings)
    await pools.ensure_default_pool(env, [("127.0.0.1", 5354)])
    registry = Metrics()
    app = create_app(env, registry)
    if metrics:
        env.db.on_transaction = registry.db_transaction.observe
    else:
        app.user_middleware = [
            m for m in app.user_middleware if m.cls is not observe.ObserveMiddleware
        ]
    transport = httpx.ASGITransport(app=app)
    api = httpx.AsyncClient(transport=transport, base_url="http://bench", headers=HEADERS)
    zone = await api.post("/v2/zones", json={"name": "bench.example.", "email": "a@b.example"})
    return api, zone.json()["id"]


async def timed_creates(api: httpx.AsyncClient, zone_id: str, tag: str, n: int) -> list[float]:
    times = []
    for i in range(n):
        body = {"name": f"{tag}-{i}.bench.example.", "type": "A", "records": ["192.0.2.1"]}
        started = time.perf_counter()
        reply = await api.post(f"/v2/zones/{zone_id}/recordsets", json=body)
        times.append(time.perf_counter() - started)
        assert reply.status_code == 202, reply.text
    return times


async def timed_gets(api: httpx.AsyncClient, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        await api.get("/")
        times.append(time.perf_counter() - started)
    return times


async def run(rounds: int, n: int) -> None:
    with tempfile.TemporaryDirectory() as plain_dir, tempfile.TemporaryDirectory() as m_dir:
        plain, plain_zone = await client(Path(plain_dir), metrics=False)
        measured, measured_zone = await client(Path(m_dir), metrics=True)
        medians: dict[str, list[float]] = {k: [] for k in ("create0", "create1", "get0", "get1")}
        for r in range(rounds):
            # Alternate which goes first, so a burst of load elsewhere hits both alike.
            order = [(plain, plain_zone, "0"), (measured, measured_zone, "1")]
            for api, zone_id, which in order if r % 2 == 0 else order[::-1]:
                creates = await timed_creates(api, zone_id, f"r{r}", n)
                medians["create" + which].append(statistics.median(creates) * 1000)
                medians["get" + which].append(statistics.median(await timed_gets(api, n)) * 1000)
        for name, label in (("create", "recordset create"), ("get", "GET /")):
            base, with_metrics = medians[name + "0"], medians[name + "1"]
            b, m = statistics.median(base), statistics.median(with_metrics)
            print(
                f"{label}: without metrics p50 {b:.3f} ms (rounds {min(base):.3f}-{max(base):.3f}),"
                f" with {m:.3f} ms (rounds {min(with_metrics):.3f}-{max(with_metrics):.3f}),"
                f" ratio {m / b:.3f}"
            )
        await plain.aclose()
        await measured.aclose()


def unit_costs(n: int = 200_000) -> None:
    registry = CollectorRegistry()
    counter = Counter("c", "c", ["route", "method", "status"], registry=registry)
    histogram = Histogram("h", "h", ["route", "method"], registry=registry)
    started = time.perf_counter()
    for _ in range(n):
        counter.labels("/v2/zones/{zone_id}/recordsets", "POST", "202").inc()
    inc = (time.perf_counter() - started) / n * 1e6
    started = time.perf_counter()
    for _ in range(n):
        histogram.labels("/v2/zones/{zone_id}/recordsets", "POST").observe(0.004)
    observe_us = (time.perf_counter() - started) / n * 1e6
    print(f"one labelled counter increment {inc:.2f} us, one histogram observation", end=" ")
    print(f"{observe_us:.2f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=300, help="per round and application")
    args = parser.parse_args()
    print(f"metrics_overhead on {machine()}, load {Path('/proc/loadavg').read_text().strip()}")
    asyncio.run(run(args.rounds, args.requests))
    unit_costs()
    print(f"load after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
