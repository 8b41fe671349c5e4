"""End to end: the `openstack` CLI (python-openstackclient + python-designateclient) with
password auth against a real Keystone, finding Zonekeeper in the catalog (no endpoint
override), against `zonekeeper serve` with strategy keystone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.auth.conftest import PASSWORD_SUFFIX, Cloud
from tests.e2e.serve import Serve

OPENSTACK = str(Path(sys.executable).with_name("openstack"))


@pytest.fixture
def served(tmp_path: Path, cloud: Cloud) -> Iterator[Serve]:
    settings = {"api": {"auth": {"strategy": "keystone"}}, "keystone_authtoken": cloud.authtoken()}
    env = {"ZONEKEEPER_API": json.dumps(settings["api"])}
    env["ZONEKEEPER_KEYSTONE_AUTHTOKEN"] = json.dumps(settings["keystone_authtoken"])
    server = Serve(tmp_path / "data", env=env)
    admin = cloud.keystone.admin()
    try:
        admin.service("dns", "designate", f"{server.base_url}/")
        yield server
    finally:
        admin.close()
        server.terminate()


def openstack(cloud: Cloud, user: str, project: str, *args: str) -> Any:
    """``openstack <args> -f json`` as ``user`` of ``project``; its parsed output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env |= {
        "OS_AUTH_URL": cloud.keystone.auth_url,
        "OS_IDENTITY_API_VERSION": "3",
        "OS_USERNAME": user,
        "OS_PASSWORD": user + PASSWORD_SUFFIX,
        "OS_PROJECT_NAME": project,
        "OS_USER_DOMAIN_ID": "default",
        "OS_PROJECT_DOMAIN_ID": "default",
        "OS_REGION_NAME": "RegionOne",
        "OS_INTERFACE": "public",
    }
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
