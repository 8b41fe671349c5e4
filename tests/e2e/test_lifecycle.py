"""The zone lifecycle against `zonekeeper serve` as a real process: an export imported as
another zone (through `zonekeeper zone import`) transfers exactly as the original does, and
`zonekeeper zone export` writes the file the API serves."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.name
import dns.query
import dns.rdatatype
import dns.zone
import httpx
import pytest

from tests.e2e.serve import ZONEKEEPER, Serve

pytestmark = pytest.mark.e2e


@pytest.fixture
def api(served: Serve) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.base_url, timeout=10) as client:
        yield client


def wait_for(check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def axfr(served: Serve, name: str) -> set[tuple[str, int, str, str]]:
    """The zone as mini-DNS transfers it, names relative to the apex, the SOA serial left out
    (a new zone has its own serial)."""
    zone = dns.zone.from_xfr(dns.query.xfr("127.0.0.1", name, port=served.dns_port))
    found = set()
    for owner, ttl, rdata in zone.iterate_rdatas():
        text = rdata.to_text(origin=zone.origin, relativize=True)
        if rdata.rdtype == dns.rdatatype.SOA:
            fields = text.split()
            text = " ".join([*fields[:2], *fields[3:]])
        found.add((owner.to_text(), ttl, dns.rdatatype.to_text(rdata.rdtype), text))
    return found


def test_export_imported_as_another_zone_transfers_identically(
    served: Serve, api: httpx.Client
) -> None:
    zone = api.post("/v2/zones", json={"name": "a.example.", "email": "h@a.example", "ttl": 900})
    zone_id = zone.json()["id"]
    recordsets = [
        ("www", "A", ["192.0.2.1", "192.0.2.2"], 300),
        ("www", "AAAA", ["2001:db8::1"], None),
        ("alias", "CNAME", ["www.a.example."], None),
        ("a.example.", "MX", ["10 mail.a.example.", "20 mx.elsewhere.example."], 3600),
        ("txt", "TXT", ['"hello world" "two"'], None),
        ("_sip._tcp", "SRV", ["10 5 5060 sip.a.example."], None),
        ("sub", "NS", ["ns1.sub.a.example."], None),
        ("ns1.sub", "A", ["192.0.2.53"], None),
        ("*.wild", "A", ["192.0.2.9"], 60),
        ("a.example.", "CAA", ['0 issue "letsencrypt.org"'], None),
    ]
    for name, rtype, records, ttl in recordsets:
        owner = name if name.endswith(".") else f"{name}.a.example."
        body = {"name": owner, "type": rtype, "records": records, "ttl": ttl}
        assert api.post(f"/v2/zones/{zone_id}/recordsets", json=body).is_success
    wait_for(lambda: api.get(f"/v2/zones/{zone_id}").json()["status"] == "ACTIVE")

    export = api.post(f"/v2/zones/{zone_id}/tasks/export").json()
    done = wait_for(
        lambda: (
            (e := api.get(f"/v2/zones/tasks/exports/{export['id']}").json())["status"] == "COMPLETE"
            and e
        )
    )
    text = api.get(done["links"]["export"], headers={"Accept": "text/dns"}).text
    # Designate's export writes absolute names: renaming them makes it another zone's file.
    zone_file = served.data_dir / "b.zone"
    zone_file.write_text(text.replace("a.example.", "b.example."))
    imported = subprocess.run(
        [ZONEKEEPER, "zone", "import", str(zone_file), "--data-dir", str(served.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.returncode == 0, imported.stderr
    assert "b.example. imported" in imported.stdout
    b_id = api.get("/v2/zones", params={"name": "b.example."}).json()["zones"][0]["id"]
    wait_for(lambda: api.get(f"/v2/zones/{b_id}").json()["status"] == "ACTIVE")

    original = axfr(served, "a.example.")
    assert len(original) > len(recordsets)
    assert axfr(served, "b.example.") == original

    exported = subprocess.run(
        [ZONEKEEPER, "zone", "export", "a.example.", "--data-dir", str(served.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == api.get(done["links"]["export"]).text


def test_cli_import_names_every_bad_line(served: Serve, api: httpx.Client) -> None:
    zone_file = served.data_dir / "bad.zone"
    zone_file.write_text(
        "$ORIGIN bad.example.\n@ 300 IN SOA ns.bad.example. h.bad.example. 1 2 3 4 5\n"
        "a IN A 192.0.2.300\nb IN A 192.0.2.1\nc IN MX mail\n"
    )
    result = subprocess.run(
        [ZONEKEEPER, "zone", "import", str(zone_file), "--data-dir", str(served.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    errors = " ".join(result.stderr.split())
    assert "line 3:" in errors and "line 5:" in errors and "line 4:" not in errors
    assert api.get("/v2/zones", params={"name": "bad.example."}).json()["zones"] == []
    missing = subprocess.run(
        [ZONEKEEPER, "zone", "export", "nope.example.", "--data-dir", str(served.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1 and "no zone nope.example." in missing.stderr


def test_abandoned_zone_is_still_served_by_the_pool(tmp_path: Path) -> None:
    from tests.e2e.test_pools import answer, serve_with_pool, wait_answered
    from tests.fixtures_servers import free_port, start_named, stop

    bind = start_named(tmp_path / "bind")
    dns_port = free_port()
    masters = [{"host": "127.0.0.1", "port": dns_port}]
    pools = [
        {
            "id": "794ccc2c-d751-44fe-b57f-8894c9f5c842",
            "name": "default",
            "attributes": {},
            "ns_records": [{"hostname": "ns1.example.net.", "priority": 1}],
            "nameservers": [{"host": "127.0.0.1", "port": bind.port}],
            "targets": [{"type": "bind9", "masters": masters, "options": bind.options()}],
            "also_notifies": [],
        }
    ]
    server = serve_with_pool(tmp_path, pools, dns_port)
    try:
        with httpx.Client(base_url=server.base_url, timeout=10) as api:
            body = {"name": "kept.example.", "email": "a@kept.example"}
            zone_id = api.post("/v2/zones", json=body).json()["id"]
            record = {"name": "www.kept.example.", "type": "A", "records": ["192.0.2.7"]}
            api.post(f"/v2/zones/{zone_id}/recordsets", json=record)
            wait_for(lambda: api.get(f"/v2/zones/{zone_id}").json()["status"] == "ACTIVE")
            wait_answered(bind.port, "www.kept.example.", "A", {"192.0.2.7"})
            assert api.post(f"/v2/zones/{zone_id}/tasks/abandon").status_code == 204
            assert api.get(f"/v2/zones/{zone_id}").status_code == 404
            # A zone created after the abandon becoming ACTIVE shows the worker has pushed
            # since: still nothing may have deleted the abandoned zone from BIND.
            body = {"name": "later.example.", "email": "a@later.example"}
            later_id = api.post("/v2/zones", json=body).json()["id"]
            wait_for(lambda: api.get(f"/v2/zones/{later_id}").json()["status"] == "ACTIVE")
            wait_answered(bind.port, "www.kept.example.", "A", {"192.0.2.7"})
            assert answer(bind.port, "kept.example.", "SOA").answer
    finally:
        server.terminate()
        stop(bind.process)
