"""``/v2/zones/tasks/imports``: a zone file becomes a zone, all of it or nothing, with every
bad line named; and the import resource's own contract (show, list, delete, 404s)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import MEMBER

ZONE_FILE = """$ORIGIN imported.example.
$TTL 600
@ 3600 IN SOA ns.imported.example. admin.imported.example. (
    1 ; serial (ours is used instead)
    7200 ; refresh
    900 ; retry
    1209600 ; expire
    300 ; minimum
)
@ IN NS ns.elsewhere.example.
@ IN MX 10 mail
www 300 IN A 192.0.2.1
    IN AAAA 2001:db8::1
www IN A 192.0.2.2
alias IN CNAME www
txt IN TXT "hello world" "two"
sub IN NS ns1.sub
_sip._tcp IN SRV 10 5 5060 sip.imported.example.
"""
TEXT = {"Content-Type": "text/dns"}


async def import_file(
    client: httpx.AsyncClient, text: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/v2/zones/tasks/imports", content=text.encode(), headers={**TEXT, **(headers or {})}
    )
    assert response.status_code == 202, response.text
    created = response.json()
    assert created["status"] == "PENDING" and created["zone_id"] is None
    assert response.headers["location"] == created["links"]["self"]
    shown = await client.get(f"/v2/zones/tasks/imports/{created['id']}", headers=headers)
    assert shown.status_code == 200
    document: dict[str, Any] = shown.json()
    return document


async def recordsets_of(client: httpx.AsyncClient, zone_id: str) -> dict[tuple[str, str], Any]:
    response = await client.get(f"/v2/zones/{zone_id}/recordsets", params={"limit": "max"})
    return {(rs["name"], rs["type"]): rs for rs in response.json()["recordsets"]}


async def test_a_zone_file_becomes_a_zone_with_its_recordsets(client: httpx.AsyncClient) -> None:
    done = await import_file(client, ZONE_FILE)
    assert done["status"] == "COMPLETE", done
    assert done["message"] == "imported.example. imported"
    assert done["links"]["zone"].endswith(f"/v2/zones/{done['zone_id']}")
    zone = (await client.get(f"/v2/zones/{done['zone_id']}")).json()
    assert (zone["name"], zone["email"], zone["ttl"]) == (
        "imported.example.",
        "admin@imported.example",
        3600,
    )
    assert zone["status"] == "PENDING" and zone["type"] == "PRIMARY"
    found = await recordsets_of(client, zone["id"])
    assert sorted(found["www.imported.example.", "A"]["records"]) == ["192.0.2.1", "192.0.2.2"]
    assert found["www.imported.example.", "A"]["ttl"] == 300
    assert found["www.imported.example.", "AAAA"]["ttl"] == 600  # $TTL, not the zone's
    assert found["imported.example.", "MX"]["records"] == ["10 mail.imported.example."]
    assert found["imported.example.", "MX"]["ttl"] == 600
    assert found["alias.imported.example.", "CNAME"]["records"] == ["www.imported.example."]
    assert found["txt.imported.example.", "TXT"]["records"] == ['"hello world" "two"']
    assert found["sub.imported.example.", "NS"]["records"] == ["ns1.sub.imported.example."]
    # The file's SOA and apex NS are replaced by the pool's; its SOA timers are kept.
    apex_ns = found["imported.example.", "NS"]["records"]
    assert apex_ns != ["ns.elsewhere.example."]
    soa = found["imported.example.", "SOA"]["records"][0].split()
    assert soa[2:] == [str(zone["serial"]), "7200", "900", "1209600", "300"]


async def test_every_bad_line_is_named_and_nothing_is_written(client: httpx.AsyncClient) -> None:
    bad = ZONE_FILE + "bad1 IN A 300.1.1.1\nok IN A 192.0.2.9\nbad2 IN MX mail\n"
    bad += "www IN CNAME elsewhere.example.\n"
    done = await import_file(client, bad)
    assert done["status"] == "ERROR" and done["zone_id"] is None
    message = done["message"]
    assert message.startswith("Malformed zonefile.")
    lines = len(ZONE_FILE.splitlines())
    for line in (lines + 1, lines + 3, lines + 4):
        assert f"line {line}:" in message, message
    assert f"line {lines + 2}:" not in message
    zones = (await client.get("/v2/zones", params={"name": "imported.example."})).json()
    assert zones["zones"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@ IN SOA a. b. 1 2 3 4 5\n", "The $ORIGIN statement is required"),
        ("$ORIGIN x.example.\nwww IN A 192.0.2.1\n", "An SOA record is required."),
        ("Z" * 100, "The $ORIGIN statement is required"),
        ("$ORIGIN x.example.\n@ zahlabut IN SOA a. b. 1 2 3 4 5\n", "Malformed zonefile."),
        ("$ORIGIN @@@.\n@ 300 IN SOA a. b. 1 2 3 4 5\n", "name: "),
    ],
)
async def test_bad_files_end_in_error(client: httpx.AsyncClient, text: str, message: str) -> None:
    done = await import_file(client, text)
    assert done["status"] == "ERROR"
    assert done["message"].startswith(message), done["message"]


async def test_an_existing_zone_is_never_updated(client: httpx.AsyncClient, make_zone: Any) -> None:
    await make_zone("imported.example.")
    done = await import_file(client, ZONE_FILE)
    assert (done["status"], done["message"]) == ("ERROR", "Duplicate zone.")


async def test_over_quota_is_an_error(env: Any, client: httpx.AsyncClient) -> None:
    env.settings.quotas.zone_recordsets = 5
    done = await import_file(client, ZONE_FILE)
    assert (done["status"], done["message"]) == ("ERROR", "Quota exceeded during zone import.")


async def test_json_body_with_attributes(client: httpx.AsyncClient) -> None:
    body = {"zonefile": ZONE_FILE, "attributes": {"tier": "gold"}}
    response = await client.post("/v2/zones/tasks/imports", json=body)
    assert response.status_code == 202
    done = (await client.get(response.headers["location"])).json()
    assert done["status"] == "COMPLETE"
    zone = (await client.get(f"/v2/zones/{done['zone_id']}")).json()
    assert zone["attributes"] == {"tier": "gold"}


@pytest.mark.parametrize(
    ("content", "headers", "code", "error_type"),
    [
        (b"x", {"Content-Type": "Zahlabut"}, 415, "unsupported_content_type"),
        (b"not valid json{{{", {"Content-Type": "application/json"}, 400, "invalid_json"),
        (b'{"attributes": {}}', {"Content-Type": "application/json"}, 400, "invalid_object"),
        (b"\xff\xfe", TEXT, 400, "bad_request"),
    ],
)
async def test_refused_requests_change_nothing(
    client: httpx.AsyncClient, content: bytes, headers: dict[str, str], code: int, error_type: str
) -> None:
    response = await client.post("/v2/zones/tasks/imports", content=content, headers=headers)
    assert response.status_code == code
    assert response.json()["type"] == error_type
    assert response.json()["request_id"].startswith("req-")
    assert (await client.get("/v2/zones/tasks/imports")).json()["imports"] == []


async def test_unknown_pool_is_a_404(client: httpx.AsyncClient) -> None:
    body = {
        "zonefile": ZONE_FILE,
        "attributes": {"pool_id": "00000000-0000-0000-0000-0000000000ff"},
    }
    response = await client.post("/v2/zones/tasks/imports", json=body)
    assert response.status_code == 404 and response.json()["type"] == "pool_not_found"


async def test_a_large_file_passes_the_ordinary_body_limit(client: httpx.AsyncClient) -> None:
    lines = [f"h{i} IN A 192.0.{i // 250}.{i % 250 + 1}" for i in range(6000)]
    text = ZONE_FILE + "\n".join(lines) + "\n"
    assert len(text) > 114688
    done = await import_file(client, text)
    assert done["status"] == "ERROR"  # the default quota of 500 recordsets, not a 413
    assert done["message"] == "Quota exceeded during zone import."


async def test_show_list_delete_are_per_project(client: httpx.AsyncClient) -> None:
    done = await import_file(client, ZONE_FILE)
    path = f"/v2/zones/tasks/imports/{done['id']}"
    assert (await client.get(path, headers=MEMBER)).json()["type"] == "zone_import_not_found"
    assert (await client.get("/v2/zones/tasks/imports", headers=MEMBER)).json()["imports"] == []
    listed = (await client.get("/v2/zones/tasks/imports", params={"status": "COMPLETE"})).json()
    assert [item["id"] for item in listed["imports"]] == [done["id"]]
    assert listed["metadata"]["total_count"] == 1
    assert (await client.delete(path, headers=MEMBER)).status_code == 404
    assert (await client.delete(path)).status_code == 204
    assert (await client.get(path)).status_code == 404
    # Deleting the import leaves its zone.
    assert (await client.get(f"/v2/zones/{done['zone_id']}")).status_code == 200


async def test_bad_ids(client: httpx.AsyncClient) -> None:
    response = await client.get("/v2/zones/tasks/imports/nope")
    assert (response.status_code, response.json()["type"]) == (400, "invalid_uuid")
