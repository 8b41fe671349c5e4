"""The HTTP edge on a real socket: the API served by ``api.server`` (uvicorn and its guarded
protocol) on a free loopback port, driven with raw connections that misbehave as slow,
idle, oversized or too many clients do."""

from __future__ import annotations

import asyncio
import json
import resource
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from zonekeeper.api import server
from zonekeeper.api.app import create_app
from zonekeeper.config import ApiSettings
from zonekeeper.service.env import ServiceEnv

LIMITS = {
    "read_timeout": 1.0,
    "keep_alive_timeout": 1.0,
    "max_header_bytes": 4096,
    "max_connections": 5,
}
GET = b"GET / HTTP/1.1\r\nHost: api.test\r\n\r\n"


@pytest.fixture
async def api(env: ServiceEnv) -> AsyncIterator[server.Server]:
    """The API on a free port with small limits (LIMITS)."""
    listener = server.listen("127.0.0.1", 0)
    api, task = await server.start(create_app(env), ApiSettings(**LIMITS), listener)
    try:
        yield api
    finally:
        api.should_exit = True
        done, _ = await asyncio.wait([task], timeout=5)
        if not done:  # a request still waiting for its body (a server without deadlines)
            api.force_exit = True
            await task


@pytest.fixture
def port(api: server.Server) -> int:
    return server.address(api)[1]


async def connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One response: status, headers (lower-case names), body."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines if line)
    headers = {name.lower(): value for name, value in headers.items()}
    body = await reader.readexactly(int(headers["content-length"]))
    return int(status_line.split()[1]), headers, body


async def closed_after(reader: asyncio.StreamReader, limit: float) -> float:
    """Seconds until the server closes the connection (reading and dropping what it sends);
    fails if it is still open after ``limit``."""
    start = time.monotonic()
    async with asyncio.timeout(limit):
        while await reader.read(65536):
            pass
    return time.monotonic() - start


def assert_refusal(status: int, body: bytes, code: int, type_: str) -> None:
    assert status == code, body
    document: dict[str, Any] = json.loads(body)
    assert document["code"] == code and document["type"] == type_
    assert document["request_id"].startswith("req-") and document["message"]


async def test_responses_are_not_held_back_by_nagle(api: server.Server, port: int) -> None:
    reader, writer = await connect(port)
    writer.write(GET)
    await read_response(reader)
    (connection,) = api.server_state.connections
    sock = connection.transport.get_extra_info("socket")
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    writer.close()


async def test_a_connection_that_sends_nothing_is_closed(port: int) -> None:
    reader, writer = await connect(port)
    assert 0.8 < await closed_after(reader, 4) < 3
    writer.close()


async def test_a_kept_alive_connection_is_closed_when_idle(port: int) -> None:
    reader, writer = await connect(port)
    writer.write(GET)
    status, _, _ = await read_response(reader)
    assert status == 200
    assert await closed_after(reader, 4) < 3
    writer.close()


async def test_a_slow_loris_head_gets_408_within_the_deadline(port: int) -> None:
    reader, writer = await connect(port)
    writer.write(b"GET / HTTP/1.1\r\nHost: api.test\r\n")
    start = time.monotonic()

    async def trickle() -> None:
        # A header line every 0.1 s: always some data, never the end of the head.
        for index in range(100):
            writer.write(f"X-Slow-{index}: x\r\n".encode())
            await asyncio.sleep(0.1)

    dripping = asyncio.create_task(trickle())
    try:
        status, headers, body = await read_response(reader)
    finally:
        dripping.cancel()
    assert time.monotonic() - start < 2.5
    assert_refusal(status, body, 408, "request_timeout")
    assert headers["connection"] == "close"
    await closed_after(reader, 2)
    writer.close()


async def test_a_stalled_body_is_cut_within_the_deadline(port: int) -> None:
    reader, writer = await connect(port)
    head = (
        b"POST /v2/zones HTTP/1.1\r\nHost: api.test\r\nContent-Type: application/json\r\n"
        b"X-Auth-Project-ID: p\r\nContent-Length: 100\r\n\r\n"
    )
    writer.write(head + b'{"name": ')
    assert await closed_after(reader, 4) < 2.5
    writer.close()


@pytest.mark.parametrize("size", [5000, 60_000])
async def test_a_head_over_the_limit_gets_431(port: int, size: int) -> None:
    reader, writer = await connect(port)
    writer.write(b"GET / HTTP/1.1\r\nHost: api.test\r\nX-Big: " + b"a" * size + b"\r\n\r\n")
    status, _, body = await read_response(reader)
    assert_refusal(status, body, 431, "request_headers_too_large")
    writer.close()


async def test_a_head_within_the_limit_is_served(port: int) -> None:
    reader, writer = await connect(port)
    writer.write(b"GET / HTTP/1.1\r\nHost: api.test\r\nX-Big: " + b"a" * 3800 + b"\r\n\r\n")
    status, _, body = await read_response(reader)
    assert status == 200, body
    writer.close()


async def test_connections_past_the_cap_wait_until_one_closes(port: int) -> None:
    held = [await connect(port) for _ in range(5)]
    reader, writer = await connect(port)  # the kernel's listen queue completes the handshake
    writer.write(GET)
    waiting = asyncio.create_task(read_response(reader))
    await asyncio.sleep(0.5)
    assert not waiting.done()  # not accepted: nothing reads it yet

    _, held_writer = held.pop()
    held_writer.close()
    status, _, _ = await asyncio.wait_for(waiting, 5)
    assert status == 200
    for _, other in [*held, (reader, writer)]:
        other.close()


@pytest.fixture
def open_files_soft_limit() -> Iterator[int]:
    """This process's soft open-files limit lowered to 300 for the test."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (300, hard))
    try:
        yield 300
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_the_cap_leaves_descriptors_for_the_rest_of_the_process(
    open_files_soft_limit: int,
) -> None:
    wanted = ApiSettings(max_connections=1000)
    assert server.connection_cap(wanted) == open_files_soft_limit - server.RESERVED_DESCRIPTORS
    assert server.connection_cap(ApiSettings(max_connections=10)) == 10
