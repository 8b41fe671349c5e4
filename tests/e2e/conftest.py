from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from designateclient.v2.client import Client
from keystoneauth1 import session

from tests.e2e.serve import Serve


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Serve]:
    server = Serve(tmp_path / "data")
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.kill()


def designate(base_url: str, **headers: str) -> Client:
    """python-designateclient as users configure it without Keystone (reference §6.1)."""
    return Client(
        session=session.Session(additional_headers=headers), endpoint_override=f"{base_url}/v2"
    )


@pytest.fixture
def client(served: Serve) -> Client:
    return designate(served.base_url)
