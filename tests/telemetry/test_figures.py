"""The figures read from the database when scraped, on SQLite, PostgreSQL and MariaDB: zones
PENDING by age, the backlog (and the worker's readiness on it), each nameserver's lag and
last success, heartbeat ages."""

from __future__ import annotations

import calendar
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests import databases
from tests.service.conftest import Clock
from tests.telemetry.conftest import Samples, value
from zonekeeper.config import Settings
from zonekeeper.domain.models import NameserverState
from zonekeeper.service import context, statuses, zones
from zonekeeper.service import pools as pool_service
from zonekeeper.service.env import ServiceEnv, utcnow
from zonekeeper.storage import nameserver_states
from zonekeeper.storage.database import Database
from zonekeeper.telemetry.metrics import Metrics
from zonekeeper.worker import figures

ADMIN = context.internal("figures")
UP, DOWN = ("127.0.0.1", 5301), ("127.0.0.1", 5302)


@pytest.fixture
async def env(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[ServiceEnv, Clock]]:
    db = Database(database_url)
    await databases.empty(db)
    clock = Clock(utcnow())
    try:
        yield ServiceEnv(db=db, settings=Settings(data_dir=tmp_path), now=clock.now), clock
    finally:
        await db.close()


async def _refreshed(env: ServiceEnv) -> Samples:
    metrics = Metrics()
    await figures.refresh(env, metrics)
    text = generate_latest(metrics.registry).decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_figures_from_the_database(env: tuple[ServiceEnv, Clock]) -> None:
    service, clock = env
    await pool_service.ensure_default_pool(service, [UP, DOWN])
    made = [
        await zones.create(ADMIN, service, {"name": f"f{i}.example.", "email": "a@example.org"})
        for i in range(2)
    ]
    checked = clock.now()
    async with service.db.transaction() as conn:
        for zone in made:  # the worker's last look: one nameserver serves, one is behind
            await nameserver_states.replace(
                conn,
                zone.id,
                [
                    NameserverState(*UP, zone.serial, "ACTIVE", None, None, checked, checked),
                    NameserverState(*DOWN, None, "PENDING", "timeout", None, checked),
                ],
            )
    await statuses.heartbeat(service, {"worker": {}})
    assert await figures.backlog_problem(service) is None

    clock.advance(600)
    samples = await _refreshed(service)
    for age, count in (("0", 2), ("30", 2), ("300", 2), ("3600", 0)):
        assert value(samples, "zonekeeper_zones_pending", older_than=age) == count
    assert value(samples, "zonekeeper_worker_backlog_zones") == 2
    assert value(samples, "zonekeeper_worker_backlog_oldest_seconds") == pytest.approx(600, abs=2)
    down = {"pool": "default", "nameserver": "127.0.0.1:5302"}
    up = {"pool": "default", "nameserver": "127.0.0.1:5301"}
    assert value(samples, "zonekeeper_nameserver_zones_behind", **down) == 2
    assert value(samples, "zonekeeper_nameserver_zones_behind", **up) == 0
    assert value(samples, "zonekeeper_nameserver_lag_seconds", **down) == pytest.approx(600, abs=2)
    assert value(samples, "zonekeeper_nameserver_lag_seconds", **up) == 0
    success = "zonekeeper_nameserver_last_success_timestamp_seconds"
    unix = calendar.timegm(checked.utctimetuple()) + checked.microsecond / 1e6
    assert value(samples, success, **up) == pytest.approx(unix, abs=0.01)
    assert (success, frozenset(down.items())) not in samples
    ages = [v for (name, _), v in samples.items() if name == "zonekeeper_heartbeat_age_seconds"]
    assert ages == [pytest.approx(600, abs=2)]
    assert (
        await figures.backlog_problem(service) == "2 zones due, the oldest for 600 s (limit 60 s)"
    )
