"""One trace per change: the API's request id is stored with the change, logged by the
worker's attempt (NOTIFY, verdict), and shown by `zonekeeper doctor` with per-nameserver
timings."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from rich.console import Console

from tests.telemetry.conftest import url, wait_for
from zonekeeper import app as zonekeeper_app
from zonekeeper.cli import status as status_cli
from zonekeeper.storage import changes
from zonekeeper.telemetry import logs
from zonekeeper.worker import doctor, trace

HEADERS = {"X-Auth-Project-ID": "trace-project"}


async def test_a_changes_request_id_travels_with_it(
    running: zonekeeper_app.App, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(logs.TraceFilter())
    caplog.set_level(logging.INFO, logger="zonekeeper")
    async with httpx.AsyncClient(headers=HEADERS, base_url=url(running.api_address, "")) as api:
        zone = {"name": "trace.test.", "email": "hostmaster@trace.test"}
        created = await api.post("/v2/zones", json=zone)
        zone_id = created.json()["id"]
        body = {"name": "www.trace.test.", "type": "A", "records": ["192.0.2.7"]}
        await _wait_active(api, zone_id)
        changed = await api.post(f"/v2/zones/{zone_id}/recordsets", json=body)
        assert changed.status_code == 202
        rid = changed.headers["x-openstack-request-id"]
        await _wait_active(api, zone_id)

    async with running.env.db.read() as conn:
        [entry] = await changes.recent(conn, zone_id, 5)
    assert entry.request_id == rid
    stored = await doctor.find_zone(running.env, "trace.test")
    assert stored is not None and stored.request_id == rid

    traced = [r.getMessage() for r in caplog.records if getattr(r, "request_id", "") == rid]
    assert any(m.startswith("NOTIFY sent: ") and "acknowledged" in m for m in traced), traced
    assert f"zone trace.test. ({zone_id}) serial {entry.to_serial} served" in traced

    steps = await trace.last_changes(running.env, stored)
    assert [s.request_id for s in steps] == [rid]
    assert running.dns_address is not None
    nameserver = "{}:{}".format(*running.dns_address)
    assert steps[0].nameservers[nameserver].startswith("served after ")
    console = Console(record=True, width=200)
    status_cli.print_changes(console, steps)
    shown = console.export_text()
    assert f"serial {entry.to_serial} committed" in shown and rid in shown
    assert f"{nameserver}: served after " in shown


async def _wait_active(api: httpx.AsyncClient, zone_id: str) -> None:
    async def active() -> bool:
        return bool((await api.get(f"/v2/zones/{zone_id}")).json()["status"] == "ACTIVE")

    await wait_for(active, "the zone to be ACTIVE")


def test_json_lines_carry_the_request_id() -> None:
    record = logging.LogRecord(
        "zonekeeper.worker", logging.INFO, __file__, 1, "hi %s", ("x",), None
    )
    token = logs.request_id.set("req-1")
    try:
        logs.TraceFilter().filter(record)
    finally:
        logs.request_id.reset(token)
    entry = json.loads(logs.JsonFormatter().format(record))
    assert entry["message"] == "hi x"
    assert entry["request_id"] == "req-1"
    assert (entry["level"], entry["logger"]) == ("INFO", "zonekeeper.worker")
    plain = logging.Formatter(logs.PLAIN).format(record)
    assert plain.endswith("zonekeeper.worker: [req-1] hi x")
