"""docs/metrics.md documents every metric a process exports, and the dashboard and the alert
rules use only documented metrics."""

from __future__ import annotations

import re
from pathlib import Path

from zonekeeper.config import Settings
from zonekeeper.service.env import ServiceEnv
from zonekeeper.sink.consumer import Consumer
from zonekeeper.sink.metrics import SinkCollector
from zonekeeper.storage.database import Database
from zonekeeper.telemetry.metrics import Metrics

DOCS = Path(__file__).resolve().parents[2] / "docs"
NAME = re.compile(r"zonekeeper_[a-z_]+")


def _documented() -> set[str]:
    return set(re.findall(r"`(zonekeeper_[a-z_]+)`", (DOCS / "metrics.md").read_text()))


async def test_every_exported_metric_is_documented() -> None:
    metrics = Metrics()
    db = Database("sqlite+aiosqlite://")
    try:
        metrics.add_collector(SinkCollector(Consumer(ServiceEnv(db, Settings()), Settings().sink)))
        exported = {
            family.name + ("_total" if family.type == "counter" else "")
            for family in metrics.registry.collect()
        }
    finally:
        await db.close()
    assert len(exported) > 30
    assert exported == _documented()


def test_dashboard_and_alerts_use_documented_metrics() -> None:
    documented = _documented()
    for name in ("grafana-dashboard.json", "prometheus-alerts.yml"):
        used = set(NAME.findall((DOCS / name).read_text()))
        base = {re.sub(r"_(bucket|count|sum)$", "", metric) for metric in used}
        assert base and base <= documented, (name, base - documented)
