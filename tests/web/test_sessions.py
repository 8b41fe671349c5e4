"""Sign-in with built-in tokens, the proxy's refusals, and the form check (in-process)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api.conftest import build_env
from tests.web.conftest import api_call, csrf_of, sign_in, ui_client
from zonekeeper.service import tokens
from zonekeeper.service.env import ServiceEnv


@pytest.fixture
async def token_env(tmp_path: Path) -> AsyncIterator[ServiceEnv]:
    env = await build_env(tmp_path / "api.sqlite", api={"auth": {"strategy": "token"}})
    try:
        yield env
    finally:
        await env.db.close()


async def test_a_built_in_token_signs_in_and_acts_as_its_project(token_env: ServiceEnv) -> None:
    _, secret = await tokens.create(token_env, "team-a", ["member", "reader"])
    async with ui_client(token_env) as client:
        assert (await client.get("/ui/")).headers["location"] == "/ui/login"
        refused = await sign_in(client, token="zk_not-a-token")
        assert refused.status_code == 401
        assert "not valid" in refused.text
        assert (await client.get("/ui/api/v2/zones")).status_code == 401

        signed_in = await sign_in(client, token=secret)
        assert signed_in.status_code == 303
        cookie = signed_in.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/ui" in cookie
        zone = {"name": "team-a.example.", "email": "a@team-a.example"}
        created = await api_call(client, "POST", "zones", json=zone)
        assert created.status_code == 202, created.text
        assert created.json()["project_id"] == "team-a"
        assert (await client.get("/ui/")).status_code == 200

        await client.post("/ui/logout", data={"csrf_token": await csrf_of(client)})
        assert (await client.get("/ui/api/v2/zones")).status_code == 401
        # Outside /ui nothing changed: the API still wants its token.
        assert (await client.get("/v2/zones")).status_code == 401


async def test_the_api_answers_without_the_ui_in_the_way(token_env: ServiceEnv) -> None:
    async with ui_client(token_env) as client:
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/ui/static/ui.js")).status_code == 200
        page = await client.get("/ui/login")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert 'name="token"' in page.text


async def test_the_form_check_gives_the_apis_reasons_per_field(tmp_path: Path) -> None:
    env = await build_env(tmp_path / "api.sqlite")
    try:
        async with ui_client(env) as client:
            headers = {"X-CSRF-Token": await csrf_of(client)}

            async def check(**body: object) -> list[dict[str, object]]:
                answer = await client.post("/ui/check/recordset", json=body, headers=headers)
                assert answer.status_code == 200
                return list(answer.json()["errors"])

            zone = "example.org."
            bad_ip = await check(zone=zone, name="www.example.org.", type="A", records=["1.2.3"])
            assert [e["path"] for e in bad_ip] == [["records", 0]]
            assert "'1.2.3' is not a 'A' Record" in str(bad_ip[0]["message"])
            elsewhere = await check(zone=zone, name="www.other.org.", type="A", records=["1.2.3.4"])
            assert [e["path"] for e in elsewhere] == [["name"]]
            apex_cname = await check(zone=zone, name=zone, type="CNAME", records=["a.example."])
            assert [e["path"] for e in apex_cname] == [["name"]]
            long_txt = await check(
                zone=zone, name=zone, type="TXT", records=['"' + "x" * 254 + '"']
            )
            assert [e["path"] for e in long_txt] == [["records", 0]]
            good = await check(zone=zone, name=zone, type="MX", records=["10 mail.example.org."])
            assert good == []
            stale = await client.post("/ui/check/recordset", json={})
            assert stale.status_code == 403
    finally:
        await env.db.close()


async def test_bad_input_is_refused_in_the_apis_format(tmp_path: Path) -> None:
    env = await build_env(tmp_path / "api.sqlite", api={"max_import_bytes": 200_000})
    try:
        async with ui_client(env) as client:
            client.cookies.set("zk_session", "bm90IGpzb24=", path="/ui")  # "not json"
            assert (await client.get("/ui/")).headers["location"] == "/ui/login"
            assert (await sign_in(client, project_id="p", roles="root")).status_code == 400
            assert (await sign_in(client, project_id="p", roles="member,reader")).is_redirect
            too_large = await api_call(client, "POST", "zones", content=b"x" * 200_001)
            assert too_large.status_code == 413
            assert too_large.json()["type"] == "request_too_large"
            json_type = {"Content-Type": "application/json"}
            not_json = await api_call(client, "POST", "zones", json_type, content=b"{")
            assert not_json.status_code == 400
            assert not_json.json()["type"] == "invalid_json"
            assert (await client.get("/ui/api/v2/zones")).json()["zones"] == []
            zone = {"name": "picked.example.", "email": "a@picked.example"}
            assert (await api_call(client, "POST", "zones", json=zone)).status_code == 202
            picker = (await client.get("/ui/login")).text
            assert '<option value="p">' in picker  # the project picker offers it
    finally:
        await env.db.close()
