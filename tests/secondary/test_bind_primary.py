"""SECONDARY zones transferred from a real BIND primary by `zonekeeper serve`: on create, on
its NOTIFY, on the SOA refresh and retry timers, on the xfr task; what the API and the
mini-DNS then show; and what they refuse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import httpx
from typer.testing import CliRunner

from tests.e2e.serve import Serve
from tests.fixtures_servers import restart_named, stop
from tests.secondary.conftest import TSIG, Primary, eventually
from zonekeeper.cli import main as cli

OPENSTACK = str(Path(sys.executable).with_name("openstack"))


def create(api: httpx.Client, name: str, *masters: str) -> dict[str, Any]:
    response = api.post(
        "/v2/zones", json={"name": name, "type": "SECONDARY", "masters": [*masters]}
    )
    assert response.status_code == 202, response.text
    zone: dict[str, Any] = response.json()
    assert (zone["type"], zone["status"], zone["action"]) == ("SECONDARY", "PENDING", "CREATE")
    assert zone["email"] == "hostmaster@example.com"  # Designate's managed_resource_email
    return zone


def records(api: httpx.Client, zone_id: str) -> dict[tuple[str, str], list[str]]:
    found = api.get(f"/v2/zones/{zone_id}/recordsets", params={"limit": 1000}).json()
    return {(rs["name"], rs["type"]): sorted(rs["records"]) for rs in found["recordsets"]}


def answer(served: Serve, name: str, rtype: str = "A") -> list[str] | None:
    """What the mini-DNS answers authoritatively for ``name``, or None when it does not."""
    query = dns.message.make_query(name, rtype)
    reply = dns.query.udp(query, "127.0.0.1", port=served.dns_port, timeout=2)
    if reply.rcode() != dns.rcode.NOERROR or not reply.flags & dns.flags.AA:
        return None
    return sorted(rd.to_text() for rrset in reply.answer for rd in rrset)


def transfer(api: httpx.Client, zone_id: str) -> dict[str, Any]:
    state: dict[str, Any] = api.get(f"/v2/zones/{zone_id}/sync").json()["transfer"]
    return state


def test_transfer_on_create_and_on_notify(
    primary: Primary, served: Serve, api: httpx.Client
) -> None:
    primary.add("notified.test.", 10, ["www A 192.0.2.10"], served.dns_port)
    zone = create(api, "notified.test.", primary.master)

    eventually(lambda: ("www.notified.test.", "A") in records(api, zone["id"]), "first transfer")
    assert records(api, zone["id"])[("www.notified.test.", "A")] == ["192.0.2.10"]
    assert eventually(lambda: answer(served, "www.notified.test."), "served") == ["192.0.2.10"]
    shown = eventually(
        lambda: (z := api.get(f"/v2/zones/{zone['id']}").json())["status"] == "ACTIVE" and z,
        "ACTIVE",
    )
    assert shown["serial"] == 10 and shown["transferred_at"] is not None
    state = transfer(api, zone["id"])
    assert (state["status"], state["reason"], state["masters"]) == ("OK", None, [primary.master])

    # A change on BIND: its NOTIFY brings it in (the zone's refresh is an hour away).
    primary.publish("notified.test.", 11, ["www A 192.0.2.11", "mail A 192.0.2.25"])
    assert eventually(lambda: answer(served, "mail.notified.test."), "notified") == ["192.0.2.25"]
    assert answer(served, "www.notified.test.") == ["192.0.2.11"]
    assert records(api, zone["id"])[("www.notified.test.", "A")] == ["192.0.2.11"]
    assert api.get(f"/v2/zones/{zone['id']}").json()["serial"] == 11
    # BIND (ixfr-from-differences) answered our IXFR with the difference only.
    log = primary.server.log_file
    eventually(lambda: "transfer of 'notified.test/IN': IXFR ended" in log.read_text(), "IXFR")

    # Read-only through the API, whatever the role (noauth callers are admins).
    refused = api.post(
        f"/v2/zones/{zone['id']}/recordsets",
        json={"name": "x.notified.test.", "type": "A", "records": ["192.0.2.1"]},
    )
    assert (refused.status_code, refused.json()["type"]) == (403, "forbidden")
    www = next(
        rs["id"]
        for rs in api.get(f"/v2/zones/{zone['id']}/recordsets").json()["recordsets"]
        if rs["name"] == "www.notified.test."
    )
    for response in (
        api.put(f"/v2/zones/{zone['id']}/recordsets/{www}", json={"records": ["192.0.2.9"]}),
        api.delete(f"/v2/zones/{zone['id']}/recordsets/{www}"),
    ):
        assert (response.status_code, response.json()["type"]) == (403, "forbidden")
    assert records(api, zone["id"])[("www.notified.test.", "A")] == ["192.0.2.11"]


def test_notify_from_a_stranger_is_refused(
    primary: Primary, served: Serve, api: httpx.Client
) -> None:
    primary.add("stranger.test.", 20, ["www A 192.0.2.20"], None)
    zone = create(api, "stranger.test.", primary.master)
    eventually(lambda: answer(served, "www.stranger.test."), "first transfer")
    primary.publish("stranger.test.", 21, ["www A 192.0.2.21"])

    timer = eventually(lambda: transfer(api, zone["id"])["next_transfer_at"], "refresh timer")

    notify = dns.message.make_query("stranger.test.", dns.rdatatype.SOA)
    notify.flags = dns.flags.AA  # first: the opcode lives in the flags word
    notify.set_opcode(dns.opcode.NOTIFY)
    reply = dns.query.udp(notify, "127.0.0.1", port=served.dns_port, timeout=2, source="127.0.0.2")
    assert reply.rcode() == dns.rcode.REFUSED
    # Refused before anything was written: the refresh timer (an hour away) did not move.
    assert transfer(api, zone["id"])["next_transfer_at"] == timer
    assert answer(served, "www.stranger.test.") == ["192.0.2.20"]

    # From the master's address it is taken.
    reply = dns.query.udp(notify, "127.0.0.1", port=served.dns_port, timeout=2, source="127.0.0.1")
    assert reply.rcode() == dns.rcode.NOERROR
    eventually(lambda: answer(served, "www.stranger.test.") == ["192.0.2.21"], "master NOTIFY")


def test_refresh_timer_and_xfr_task(primary: Primary, served: Serve, api: httpx.Client) -> None:
    # No NOTIFY: the SOA refresh (1 s) finds the change.
    primary.add("timer.test.", 30, ["www A 192.0.2.30"], None, timers="1 1 86400 300")
    timed = create(api, "timer.test.", primary.master)
    eventually(lambda: answer(served, "www.timer.test."), "first transfer")
    primary.publish("timer.test.", 31, ["www A 192.0.2.31"], timers="1 1 86400 300")
    eventually(lambda: answer(served, "www.timer.test.") == ["192.0.2.31"], "refresh timer")

    # Refresh an hour away, no NOTIFY: only the xfr task brings the change in now.
    primary.add("manual.test.", 40, ["www A 192.0.2.40"], None)
    manual = create(api, "manual.test.", primary.master)
    eventually(lambda: answer(served, "www.manual.test."), "first transfer")
    primary.publish("manual.test.", 41, ["www A 192.0.2.41"])
    response = api.post(f"/v2/zones/{manual['id']}/tasks/xfr")
    assert (response.status_code, response.content) == (202, b"")
    eventually(lambda: answer(served, "www.manual.test.") == ["192.0.2.41"], "xfr task")
    assert api.get(f"/v2/zones/{manual['id']}").json()["serial"] == 41
    assert timed["id"] != manual["id"]


def test_master_down_retry_and_expire(primary: Primary, served: Serve, api: httpx.Client) -> None:
    # refresh 1, retry 1, expire 4: a dead master is noticed at once, the zone expires soon.
    primary.add("down.test.", 50, ["www A 192.0.2.50"], None, timers="1 1 4 300")
    zone = create(api, "down.test.", primary.master)
    eventually(lambda: answer(served, "www.down.test."), "first transfer")

    stop(primary.server.process)
    state = eventually(
        lambda: (s := transfer(api, zone["id"]))["status"] == "FAILED" and s, "failure"
    )
    assert state["reason"] in ("network_error", "timeout"), state
    assert primary.master in state["last_error"]
    assert answer(served, "www.down.test.") == ["192.0.2.50"]  # still served until it expires

    eventually(lambda: transfer(api, zone["id"])["status"] == "EXPIRED", "expire")
    assert api.get(f"/v2/zones/{zone['id']}").json()["status"] == "ERROR"
    assert answer(served, "www.down.test.") is None

    restart_named(primary.server)  # the retry timer finds it back
    eventually(lambda: transfer(api, zone["id"])["status"] == "OK", "recovery")
    assert eventually(lambda: answer(served, "www.down.test."), "served again") == ["192.0.2.50"]
    eventually(lambda: api.get(f"/v2/zones/{zone['id']}").json()["status"] == "ACTIVE", "ACTIVE")


def test_transfer_signed_with_the_zones_tsig_key(
    primary: Primary, served: Serve, api: httpx.Client
) -> None:
    name, secret = TSIG
    primary.add("signed.test.", 80, ["www A 192.0.2.80"], None, allow=f'key "{name}";')
    zone = create(api, "signed.test.", primary.master)
    state = eventually(
        lambda: (s := transfer(api, zone["id"]))["status"] == "FAILED" and s, "unsigned refused"
    )
    assert state["reason"] == "refused", state

    key = {"name": name, "algorithm": "hmac-sha256", "secret": secret, "scope": "ZONE"}
    created = api.post("/v2/tsigkeys", json=key | {"resource_id": zone["id"]})
    assert created.status_code == 201, created.text
    assert api.post(f"/v2/zones/{zone['id']}/tasks/xfr").status_code == 202
    eventually(lambda: answer(served, "www.signed.test.") == ["192.0.2.80"], "signed transfer")
    assert transfer(api, zone["id"])["status"] == "OK"


def test_refusing_master_reason(primary: Primary, served: Serve, api: httpx.Client) -> None:
    primary.add("closed.test.", 60, ["www A 192.0.2.60"], None)
    primary.rndc("delzone", "closed.test.")  # BIND answers for it no more: REFUSED
    zone = create(api, "closed.test.", primary.master, "host.example.")
    state = eventually(
        lambda: (s := transfer(api, zone["id"]))["status"] == "FAILED" and s, "failure"
    )
    assert state["reason"] == "refused", state
    assert "host.example. no_address" in state["last_error"]
    assert api.get(f"/v2/zones/{zone['id']}").json()["masters"] == [primary.master, "host.example."]


def openstack(served: Serve, *args: str, output: bool = True) -> Any:
    """``openstack <args> -f json`` without Keystone (README's recipe); its parsed output
    (``output=False``: a command without output, such as ``zone axfr``). Each run takes
    seconds (tens on a loaded machine) to start: use it sparingly."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env |= {"OS_AUTH_TYPE": "none", "OS_ENDPOINT": f"{served.base_url}/v2"}
    command = [OPENSTACK, *args, *(["-f", "json"] if output else [])]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout) if output else None


def test_openstack_cli(primary: Primary, served: Serve) -> None:
    primary.add("cli.test.", 70, ["www A 192.0.2.70", "txt TXT hello"], None)
    zone = openstack(
        served, "zone", "create", "cli.test.", "--type", "SECONDARY", "--masters", primary.master
    )
    assert (zone["type"], zone["masters"]) == ("SECONDARY", primary.master)

    # Polled through the API and the mini-DNS: each `openstack` run takes seconds to start.
    eventually(lambda: answer(served, "www.cli.test."), "first transfer")
    found = openstack(served, "recordset", "list", "cli.test.")
    shown = {(item["name"], item["type"]): item["records"] for item in found}
    assert shown[("www.cli.test.", "A")] == "192.0.2.70"
    assert shown[("txt.cli.test.", "TXT")] == '"hello"'
    assert shown[("cli.test.", "NS")] == "ns1.cli.test."

    # `zonekeeper zone xfr` refreshes from another process's point of view: its own engine
    # on the same database (in-process through CliRunner: a subprocess would only add an
    # interpreter start).
    primary.publish("cli.test.", 72, ["www A 192.0.2.72"])
    args = ["zone", "xfr", "--data-dir", str(served.data_dir)]
    done = CliRunner().invoke(cli.app, [*args, "cli.test."])
    assert (done.exit_code, done.stdout.split()[:3]) == (0, ["cli.test.", "serial", "72"])
    assert answer(served, "www.cli.test.") == ["192.0.2.72"]
    done = CliRunner().invoke(cli.app, [*args, "nope.test."])
    assert done.exit_code == 1
