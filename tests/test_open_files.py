"""Start-up raises the process's soft open-files limit to the hard one, so that a flood of
HTTP connections meets the API's cap long before the mini-DNS and the database run out."""

from __future__ import annotations

import resource
from collections.abc import Iterator

import pytest

from zonekeeper import app


@pytest.fixture
def lowered_soft_limit() -> Iterator[int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, hard, 512), hard))
    try:
        yield hard
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_start_up_raises_the_soft_limit_to_the_hard_one(lowered_soft_limit: int) -> None:
    app.raise_open_files_limit()
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (lowered_soft_limit, lowered_soft_limit)
