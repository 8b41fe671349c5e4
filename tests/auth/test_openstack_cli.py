"""End to end: the `openstack` CLI (python-openstackclient + python-designateclient) with
password auth against a real Keystone, finding Zonekeeper in the catalog (no endpoint
override), against `zonekeeper serve` with strategy keystone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.auth.conftest import Cloud
from tests.e2e.serve import Serve

OPENSTACK = str(Path(sys.executable).with_name("openstack"))


@pytest.fixture
def served(tmp_path: Path, cloud: Cloud) -> Iterator[Serve]:
    settings = {"api": {"auth": {"strategy": "keystone"}}, "keystone_authtoken": cloud.authtoken()}
    env = {"ZONEKEEPER_API": json.dumps(settings["api"])}
    env["ZONEKEEPER_KEYSTONE_AUTHTOKEN"] = json.dumps(settings["keystone_authtoken"])
    server = Serve(tmp_path / "data", env=env)
    try:
        with cloud.keystone.admin() as admin:
            admin.service("dns", "designate", f"{server.base_url}/")
        yield server
    finally:
        server.terminate()


def _env(cloud: Cloud, user: str, project: str) -> dict[str, str]:
    """The environment of ``openstack`` acting as ``user`` of ``project``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env |= {
        "OS_AUTH_URL": cloud.keystone.auth_url,
        "OS_IDENTITY_API_VERSION": "3",
        "OS_USERNAME": user,
        "OS_PASSWORD": cloud.password(user),
        "OS_PROJECT_NAME": project,
        "OS_USER_DOMAIN_ID": "default",
        "OS_PROJECT_DOMAIN_ID": "default",
        "OS_REGION_NAME": "RegionOne",
        "OS_INTERFACE": "public",
    }
    return env


def openstack(cloud: Cloud, user: str, project: str, *args: str) -> Any:
    """``openstack <args> -f json`` as ``user`` of ``project``; its parsed output."""
    env = _env(cloud, user, project)
    done = subprocess.run(
        [OPENSTACK, *args, "-f", "json"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_zones_and_recordsets_through_keystone(served: Serve, cloud: Cloud) -> None:
    zone = openstack(
        cloud, "alice", "dns-a", "zone", "create", "--email", "hostmaster@cli.example",
        "cli.example.",
    )  # fmt: skip
    assert zone["name"] == "cli.example."
    assert zone["project_id"] == cloud.projects["dns-a"]
    listed = openstack(cloud, "alice", "dns-a", "zone", "list")
    assert [item["id"] for item in listed] == [zone["id"]]
    recordset = openstack(
        cloud, "alice", "dns-a", "recordset", "create", "cli.example.", "www",
        "--type", "A", "--record", "192.0.2.7",
    )  # fmt: skip
    assert recordset["name"] == "www.cli.example."
    listed = openstack(cloud, "rita", "dns-a", "recordset", "list", "cli.example.")
    found = {(item["name"], item["type"]): item["records"] for item in listed}
    assert found[("www.cli.example.", "A")] == "192.0.2.7"
    assert openstack(cloud, "bob", "dns-b", "zone", "list") == []


POOL_ID = "794ccc2c-d751-44fe-b57f-8894c9f5c842"
"""The default pool's id, Designate's (the id tsigkeys of scope POOL name here)."""


@dataclass(frozen=True)
class Session:
    """What one interactive ``openstack`` run printed: the JSON document of each command that
    succeeded with ``-f json``, in order, and every error message."""

    outputs: list[Any]
    errors: str


def openstack_session(cloud: Cloud, user: str, project: str, *commands: str) -> Session:
    """Runs ``commands`` in one interactive ``openstack`` (commands read from stdin), to pay
    for its start and the Keystone authentication once rather than per command. Its parser
    loses quotes: no argument may hold a blank or a backslash."""
    done = subprocess.run(
        [OPENSTACK],
        input="".join(f"{command}\n" for command in commands),
        capture_output=True,
        text=True,
        env=_env(cloud, user, project),
        timeout=300,
    )
    decoder = json.JSONDecoder()
    outputs: list[Any] = []
    text = done.stdout.strip()
    while text:
        found, end = decoder.raw_decode(text)
        outputs.append(found)
        text = text[end:].strip()
    return Session(outputs, done.stderr)


def test_admin_resources_through_keystone(served: Serve, cloud: Cloud) -> None:
    """TLDs, blacklists, TSIG keys, quotas and service statuses with the admin's CLI, and their
    effect on a member's zone creation through the CLI."""
    alice_project = cloud.projects["dns-a"]
    admin = openstack_session(
        cloud, "admin", "admin",
        "tld create --name example --description tests -f json",
        "tld list -f json",
        "tld show example -f json",
        "tld set example --description changed -f json",
        "zone blacklist create --pattern ^blocked[.]example[.]$ --description no -f json",
        "zone blacklist list -f json",
        "tsigkey create --name cli-key --algorithm hmac-sha256 --secret c2VjcmV0 "
        f"--scope POOL --resource-id {POOL_ID} -f json",
        "tsigkey list -f json",
        "tsigkey show cli-key -f json",
        f"dns quota set --project-id {alice_project} --zones 1 -f json",
        f"dns quota list --project-id {alice_project} -f json",
        "dns service list -f json",
    )  # fmt: skip
    assert admin.errors == ""
    tld, tlds, tld_shown, tld_set, blacklist, blacklists, key, keys, key_shown, *rest = (
        admin.outputs
    )
    quota_set, quota, services = rest
    assert (tld["name"], tld["description"]) == ("example", "tests")
    assert [item["id"] for item in tlds] == [tld["id"]] and tld_shown["id"] == tld["id"]
    assert tld_set["description"] == "changed"
    assert blacklist["pattern"] == "^blocked[.]example[.]$"
    assert [item["id"] for item in blacklists] == [blacklist["id"]]
    assert (key["name"], key["scope"], key["resource_id"]) == ("cli-key", "POOL", POOL_ID)
    assert [item["id"] for item in keys] == [key["id"]] and key_shown["id"] == key["id"]
    assert quota_set["zones"] == 1 and quota["zones"] == 1
    assert {item["service_name"] for item in services} >= {"api", "worker", "mdns"}
    assert {item["status"] for item in services} == {"UP"}

    alice = openstack_session(
        cloud, "alice", "dns-a",
        "zone create --email h@cli.test cli.test. -f json",
        "zone create --email h@blocked.example blocked.example. -f json",
        "zone create --email h@first.example first.example. -f json",
        "zone create --email h@second.example second.example. -f json",
        "zone list -f json",
        # Last: designateclient keeps sending the header for the rest of the session.
        "zone delete first.example. --hard-delete",
    )  # fmt: skip
    first, listed = alice.outputs
    assert first["name"] == "first.example."
    assert [zone["id"] for zone in listed] == [first["id"]]
    assert "Invalid TLD" in alice.errors  # cli.test. is under no registered TLD
    assert "Blacklisted zone name" in alice.errors
    assert "Quota exceeded for zones." in alice.errors
    assert alice.errors.endswith("forbidden\n")  # the hard-delete header is the admins'

    service = services[0]
    after = openstack_session(
        cloud, "admin", "admin",
        f"dns quota reset --project-id {alice_project}",
        f"dns quota list --project-id {alice_project} -f json",
        f"dns service show {service['id']} -f json",
        f"zone blacklist set {blacklist['id']} --description changed -f json",
        f"zone blacklist delete {blacklist['id']}",
        "tsigkey delete cli-key",
        "tld delete example",
        "zone blacklist list -f json",
        "tsigkey list -f json",
        "tld list -f json",
        "zone list --all-projects -f json",
    )  # fmt: skip
    assert after.errors == ""
    quota, shown, blacklist_set, *lists, zones = after.outputs
    assert [(zone["id"], zone["action"] != "DELETE") for zone in zones] == [(first["id"], True)]
    assert quota["zones"] == 10
    assert (shown["id"], shown["service_name"]) == (service["id"], service["service_name"])
    assert blacklist_set["description"] == "changed"
    assert lists == [[], [], []]
    created = openstack(
        cloud, "alice", "dns-a", "zone", "create", "--email", "h@cli.test", "cli.test."
    )
    assert created["name"] == "cli.test."  # no TLD left, no quota of 1
