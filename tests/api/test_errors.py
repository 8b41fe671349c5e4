"""The error format and the HTTP edge: request ids, 404/405, body limits, content types,
malformed JSON, and the logged 500 for failures no client can cause."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from zonekeeper.api import errors as api_errors
from zonekeeper.api.app import create_app
from zonekeeper.config import Settings
from zonekeeper.domain import errors
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage.database import Database

JSON = {"Content-Type": "application/json"}
REQUEST_ID = re.compile(r"req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")


def assert_error(response: httpx.Response, code: int, type_: str) -> dict[str, object]:
    assert response.status_code == code, response.text
    assert response.headers["content-type"] == "application/json"
    document: dict[str, object] = response.json()
    assert document["code"] == code
    assert document["type"] == type_
    assert document["request_id"] == response.headers["x-openstack-request-id"]
    return document


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.InvalidTTL(), 400),
        (errors.MissingProjectId(), 401),
        (errors.IllegalChild(), 403),
        (errors.ZoneNotFound(), 404),
        (errors.DuplicateRecordSet(), 409),
        (errors.OverQuota(), 413),
        (errors.UnsupportedContentType(), 415),
        (errors.NoServersConfigured(), 500),
        (errors.ZonekeeperError(), 500),
    ],
)
def test_status_table(error: errors.ZonekeeperError, status: int) -> None:
    assert api_errors.status_of(error) == status


def test_render_omits_missing_message_and_lists_field_errors() -> None:
    invalid = errors.InvalidObject([errors.FieldError(("records", 0), "bad", "format", None)])
    assert api_errors.render(invalid, "req-1") == {
        "code": 400,
        "type": "invalid_object",
        "errors": {
            "errors": [
                {
                    "path": ["records", 0],
                    "message": "bad",
                    "validator": "format",
                    "validator_value": None,
                }
            ]
        },
        "request_id": "req-1",
    }


async def test_every_response_has_a_fresh_request_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/")
    second = await client.get("/v2/zones")
    ids = {first.headers["x-openstack-request-id"], second.headers["x-openstack-request-id"]}
    assert len(ids) == 2
    assert all(REQUEST_ID.fullmatch(rid) for rid in ids)


async def test_unknown_path_is_json_404(client: httpx.AsyncClient) -> None:
    document = assert_error(await client.get("/v2/nothing-here"), 404, "not_found")
    assert document["message"] == "resource not found"


async def test_extension_is_not_guessed(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/v2/zones.json"), 404, "not_found")


async def test_trailing_slash_is_stripped(client: httpx.AsyncClient) -> None:
    response = await client.get("/v2/zones/")
    assert response.status_code == 200
    assert response.json()["links"]["self"] == "http://api.test/v2/zones"


MISSING = "f0e4c2f8-0b1e-4c9a-9d2b-3a7c5e6f8a90"
"""An id nothing has (fixed, so that every test process collects the same test ids)."""


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", f"/v2/zones/{MISSING}"),
        ("PATCH", f"/v2/zones/{MISSING}/recordsets/{MISSING}"),
        ("DELETE", "/v2/zones"),
        ("POST", f"/v2/recordsets/{MISSING}"),
    ],
)
async def test_wrong_method_is_405(client: httpx.AsyncClient, method: str, path: str) -> None:
    document = assert_error(await client.request(method, path, json={}), 405, "method_not_allowed")
    assert "message" not in document


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/v2/zones", "GET, POST"),
        ("DELETE", "/v2/zones/", "GET, POST"),
        ("PUT", f"/v2/zones/{MISSING}", "DELETE, GET, PATCH"),
        ("PATCH", f"/v2/zones/{MISSING}/recordsets/{MISSING}", "DELETE, GET, PUT"),
        ("POST", "/", "GET"),
        ("POST", "/openapi.json", "GET, HEAD"),
    ],
)
async def test_405_allows_every_method_of_the_path(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path)
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allow


async def test_declared_body_over_limit_is_413(client: httpx.AsyncClient) -> None:
    body = b'{"name": "' + b"a" * 120_000 + b'"}'
    response = await client.post(
        "/v2/zones", content=body, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413, "request_too_large")


async def test_streamed_body_over_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(20):
            yield b"a" * 10_000
        yield b'"}'

    response = await client.post(
        "/v2/zones", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "request_too_large")


async def test_malformed_content_length_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v2/zones",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": "x2"},
    )
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_non_json_body_is_415(client: httpx.AsyncClient, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = await client.post("/v2/zones", content=b'{"name": "a.example."}', headers=headers)
    assert_error(response, 415, "unsupported_content_type")


async def test_json_with_charset_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v2/zones",
        content=b'{"name": "cs.example.", "email": "a@b.c"}',
        headers={"Content-Type": "Application/JSON; charset=utf-8"},
    )
    assert response.status_code == 202


@pytest.mark.parametrize("body", [b"", b"  \n", b"null"])
async def test_empty_body_is_400(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post(
        "/v2/zones", content=body, headers={"Content-Type": "application/json"}
    )
    document = assert_error(response, 400, "empty_request_body")
    assert document["message"] == "Request Body is empty"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{", "Invalid JSON: Expecting property name enclosed in double quotes at position 1"),
        (b'{"name": }', "Invalid JSON: Expecting value at position 9"),
        (b'{"name": "\xff"}', "Invalid JSON: not UTF-8 JSON text"),
        (b"[" * 50_000 + b"]" * 50_000, "JSON nests too deeply"),
        (b'{"ttl": 1' + b"0" * 5000 + b"}", "Invalid JSON: a number has too many digits"),
    ],
    ids=["truncated", "no-value", "not-utf8", "deep", "long-number"],
)
async def test_malformed_json_is_400(client: httpx.AsyncClient, body: bytes, message: str) -> None:
    response = await client.post(
        "/v2/zones", content=body, headers={"Content-Type": "application/json"}
    )
    assert assert_error(response, 400, "invalid_json")["message"] == message


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_a_non_finite_number_is_refused_where_it_stands(
    client: httpx.AsyncClient, constant: str
) -> None:
    body = f'{{"name": "a.example.", "email": "a@a.example", "ttl": {constant}}}'.encode()
    response = await client.post("/v2/zones", content=body, headers=JSON)
    document = assert_error(response, 400, "invalid_object")
    errors_ = document["errors"]
    assert isinstance(errors_, dict)
    (error,) = errors_["errors"]
    assert error["path"] == ["ttl"]
    assert error["message"] == f"{constant} is not a JSON number: numbers must be finite"


@pytest.mark.parametrize("body", [[], "zone", 5])
async def test_json_that_is_not_an_object_is_invalid_object(
    client: httpx.AsyncClient, body: object
) -> None:
    response = await client.post("/v2/zones", content=json.dumps(body), headers=JSON)
    document = assert_error(response, 400, "invalid_object")
    assert document["errors"] == {
        "errors": [
            {
                "path": [],
                "message": f"{body!r} is not of type 'object'",
                "validator": "type",
                "validator_value": "object",
            }
        ]
    }


@pytest.mark.parametrize("text", ["a\x00b", "\ud800"], ids=["nul", "lone-surrogate"])
async def test_text_no_database_can_store_is_refused(client: httpx.AsyncClient, text: str) -> None:
    body = json.dumps({"name": "t.example.", "description": text})  # ASCII escapes
    response = await client.post("/v2/zones", content=body, headers=JSON)
    document = assert_error(response, 400, "invalid_object")
    assert document["errors"]["errors"][0]["path"] == ["description"]  # type: ignore[index]


@pytest.fixture
async def broken_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An API whose database was never migrated: every query fails inside the service."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite'}")
    app = create_app(ServiceEnv(db=db, settings=Settings(data_dir=tmp_path)))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        yield http
    await db.close()


async def test_unexpected_failure_is_logged_json_500(
    broken_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="zonekeeper.api.middleware"):
        response = await broken_client.get("/v2/zones")
    document = assert_error(response, 500, "unknown")
    assert "zones" not in str(document.get("message"))  # no internals leak
    rid = str(document["request_id"])
    assert any(rid in record.getMessage() for record in caplog.records)


async def test_an_empty_zone_name_is_a_field_error(client: httpx.AsyncClient) -> None:
    body = {"name": "", "email": "admin@example.org"}
    response = await client.post("/v2/zones", json=body, headers={"X-Auth-Project-ID": "p"})
    document = assert_error(response, 400, "invalid_object")
    assert document["errors"] == {
        "errors": [
            {
                "path": ["name"],
                "message": "'' is not a 'zonename'",
                "validator": "format",
                "validator_value": "zonename",
            }
        ]
    }


async def test_a_whole_number_written_with_a_fraction_is_an_integer(
    client: httpx.AsyncClient,
) -> None:
    body = b'{"name": "whole.example.", "email": "a@whole.example", "ttl": 3e2}'
    headers = {**JSON, "X-Auth-Project-ID": "p"}
    response = await client.post("/v2/zones", content=body, headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["ttl"] == 300
