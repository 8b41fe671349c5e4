"""The admin resources on both databases: uniqueness held by the database under concurrent
writes, and a TSIG key's pool or zone checked in the key's transaction."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.service.conftest import admin, member
from tests.service.helpers import make_zone
from zonekeeper.domain import errors
from zonekeeper.domain.models import DEFAULT_POOL_ID, ListQuery
from zonekeeper.service import blacklists, tlds, tsigkeys, zones
from zonekeeper.service.env import ServiceEnv

ALL = ListQuery(limit=100, marker=None, sort_key="created_at", sort_dir="asc", filters={})


async def test_concurrent_creates_of_one_tld_make_one_row(env: ServiceEnv) -> None:
    results = await asyncio.gather(
        *(tlds.RESOURCE.create(admin(), env, {"name": "org"}) for _ in range(4)),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 3 and all(isinstance(r, errors.DuplicateTld) for r in refused)
    assert [tld.name for tld in await tlds.RESOURCE.list(admin(), env, ALL)] == ["org"]


async def test_blacklist_duplicate_and_update(env: ServiceEnv) -> None:
    first = await blacklists.RESOURCE.create(admin(), env, {"pattern": "^a"})
    second = await blacklists.RESOURCE.create(admin(), env, {"pattern": "^b"})
    with pytest.raises(errors.DuplicateBlacklist):
        await blacklists.RESOURCE.update(admin(), env, second.id, {"pattern": "^a"})
    changed = await blacklists.RESOURCE.update(admin(), env, first.id, {"description": "why"})
    assert (changed.pattern, changed.description) == ("^a", "why")
    assert changed.updated_at is not None


async def test_tsigkey_needs_its_zone_and_admins(env: ServiceEnv) -> None:
    zone = await make_zone(member(), env)
    fields: dict[str, Any] = {
        "name": "k",
        "algorithm": "hmac-sha256",
        "secret": "c2VjcmV0",
        "scope": "ZONE",
        "resource_id": zone.id,
    }
    with pytest.raises(errors.Forbidden):
        await tsigkeys.RESOURCE.create(member(), env, fields)
    key = await tsigkeys.RESOURCE.create(admin(), env, fields)
    assert key.resource_id == zone.id
    with pytest.raises(errors.InvalidTsigKey):
        await tsigkeys.RESOURCE.update(admin(), env, key.id, {"resource_id": DEFAULT_POOL_ID})
    pooled = await tsigkeys.RESOURCE.update(
        admin(), env, key.id, {"scope": "POOL", "resource_id": DEFAULT_POOL_ID}
    )
    assert (pooled.scope, pooled.resource_id) == ("POOL", DEFAULT_POOL_ID)


async def test_tld_rule_on_both_databases(env: ServiceEnv) -> None:
    await tlds.RESOURCE.create(admin(), env, {"name": "ORG"})
    with pytest.raises(errors.InvalidZoneName, match="Invalid TLD"):
        await zones.create(member(), env, {"name": "example.net.", "email": "a@b.c"})
    zone = await zones.create(member(), env, {"name": "Example.ORG.", "email": "a@b.c"})
    assert zone.name == "example.org."
