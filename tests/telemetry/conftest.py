"""Telemetry tests: every role of `serve` in this process (``app.build``), on SQLite and free
loopback ports, with the telemetry listener on; ``scrape`` parses what Prometheus would read."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from zonekeeper import app as zonekeeper_app
from zonekeeper.config import Settings
from zonekeeper.service.env import utcnow

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class Clock:
    """The service's clock: real time, ``ahead`` later (moved by the tests that need a
    change to be old)."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def now(self) -> datetime:
        return utcnow() + self.ahead


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def telemetry() -> dict[str, object]:
    """The ``telemetry`` settings of ``running`` (a test module may override it)."""
    return {"listen": "127.0.0.1:0", "ready_backlog_seconds": 30}


@pytest.fixture
async def running(
    tmp_path: Path, clock: Clock, telemetry: dict[str, object]
) -> AsyncIterator[zonekeeper_app.App]:
    settings = Settings(
        data_dir=tmp_path,
        api={"listen": "127.0.0.1:0"},
        dns={"listen": "127.0.0.1:0"},
        telemetry=telemetry,
        worker={
            "poll_timeout": 0.2,
            "poll_retry_interval": 0.01,
            "max_attempts": 1,
            "poll_max_interval": 0.5,
        },
    )
    app = zonekeeper_app.build(settings, now=clock.now)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


def url(address: tuple[str, int] | None, path: str) -> str:
    assert address is not None
    return f"http://{address[0]}:{address[1]}{path}"


async def scrape(app: zonekeeper_app.App) -> Samples:
    """Every sample of the telemetry listener's /metrics, by (name, labels)."""
    async with httpx.AsyncClient() as client:
        reply = await client.get(url(app.telemetry_address, "/metrics"))
    assert reply.status_code == 200, reply.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(reply.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample ``name{labels}``; 0 when absent (a counter never incremented)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def wait_for(condition: Callable[[], object], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not await _result(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _result(condition: Callable[[], object]) -> object:
    result = condition()
    if asyncio.iscoroutine(result):
        return await result
    return result
