"""Policy: Designate 23's default rules decide through oslo.policy, and an operator's
policy file with Designate's rule names changes the outcome (noauth headers carry the roles)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from oslo_policy import policy as oslo_policy

from tests.api.conftest import MEMBER
from zonekeeper.domain import errors
from zonekeeper.service import context, policy

ZONE = {"name": "example.org.", "email": "hostmaster@example.org"}
ONLY_MEMBER = {"X-Auth-Project-ID": "project-b", "X-Roles": "member"}
ODD_ROLE = {"X-Auth-Project-ID": "project-b", "X-Roles": "dns-operator"}


@pytest.fixture
def policy_file(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(getattr(request, "param", ""))
    return path


async def test_defaults_member_alone_cannot_read(client: httpx.AsyncClient) -> None:
    """Designate 23: reads need reader (Keystone implies it from member; noauth does not)."""
    assert (await client.post("/v2/zones", json=ZONE, headers=ONLY_MEMBER)).status_code == 202
    listed = await client.get("/v2/zones", headers=ONLY_MEMBER)
    assert listed.status_code == 403
    assert listed.json()["type"] == "forbidden"
    assert (await client.get("/v2/zones", headers=MEMBER)).status_code == 200


async def test_defaults_refuse_an_unknown_role(client: httpx.AsyncClient) -> None:
    response = await client.post("/v2/zones", json=ZONE, headers=ODD_ROLE)
    assert response.status_code == 403
    assert (await client.get("/v2/zones", headers=MEMBER)).json()["zones"] == []


class TestOverrides:
    @pytest.fixture
    def settings_overrides(self, tmp_path: Path) -> dict[str, Any]:
        path = tmp_path / "policy.yaml"
        path.write_text(
            '"create_zone": "role:admin"\n'
            '"find_zones": "role:member and project_id:%(project_id)s"\n'
            '"use_sudo": "role:dns-operator"\n'
        )
        return {"oslo_policy": {"policy_file": path}}

    async def test_a_designate_rule_name_overrides_its_default(
        self, client: httpx.AsyncClient
    ) -> None:
        refused = await client.post("/v2/zones", json=ZONE, headers=MEMBER)
        assert refused.status_code == 403
        assert refused.json()["type"] == "forbidden"
        assert (await client.get("/v2/zones", headers=ONLY_MEMBER)).status_code == 200
        admin = await client.post("/v2/zones", json=ZONE)
        assert admin.status_code == 202

    async def test_admin_header_rules_come_from_the_file(self, client: httpx.AsyncClient) -> None:
        sudo = {"X-Auth-Sudo-Project-ID": "project-b"}
        assert (await client.get("/v2/zones", headers=ODD_ROLE | sudo)).status_code == 403
        # use_sudo passes; find_zones (member of the sudo project) still decides the list
        member_sudo = ONLY_MEMBER | {"X-Roles": "member,dns-operator"} | sudo
        assert (await client.get("/v2/zones", headers=member_sudo)).status_code == 200


class TestLegacyDefaults:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"oslo_policy": {"enforce_new_defaults": False}}

    async def test_any_role_of_the_project_passes_admin_or_owner(
        self, client: httpx.AsyncClient
    ) -> None:
        created = await client.post("/v2/zones", json=ZONE, headers=ODD_ROLE)
        assert created.status_code == 202
        assert created.json()["project_id"] == "project-b"


def test_a_missing_policy_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="policy file not found"):
        policy.Policy(tmp_path / "absent.yaml")


def test_an_unregistered_rule_is_a_programming_error() -> None:
    ctx = context.internal()
    with pytest.raises(oslo_policy.PolicyNotRegistered):
        policy.enforce(ctx, "create_zonez")


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text('"find_tlds": "role:admin"\n')
    rules = policy.Policy(path)
    member = context.RequestContext("p", "u", frozenset({"member"}), policy=rules)
    assert policy.check(member, "find_tlds") is False
    path.write_text('"find_tlds": "role:member"\n')
    later = path.stat().st_mtime + 10
    os.utime(path, (later, later))  # oslo.policy re-reads a file whose mtime grew
    assert policy.check(member, "find_tlds") is True
    with pytest.raises(errors.Forbidden):
        policy.enforce(member, "create_tld")
