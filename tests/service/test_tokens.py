"""Built-in tokens on both databases: authenticate, expiry, revocation, listing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.service.conftest import Clock
from zonekeeper.domain import errors
from zonekeeper.service import tokens
from zonekeeper.service.env import ServiceEnv


async def test_a_token_authenticates_until_it_expires(env: ServiceEnv, clock: Clock) -> None:
    expires = clock.now() + timedelta(minutes=5)
    record, token = await tokens.create(env, "p1", ["member", " reader "], expires_at=expires)
    found = await tokens.authenticate(env, token)
    assert (found.id, found.project_id, found.roles) == (record.id, "p1", {"member", "reader"})
    clock.advance(299)
    assert (await tokens.authenticate(env, f" {token} ")).id == record.id
    clock.advance(1)
    with pytest.raises(errors.Unauthorized):
        await tokens.authenticate(env, token)


async def test_revoked_wrong_and_missing_tokens_are_refused(env: ServiceEnv) -> None:
    record, token = await tokens.create(env, "p1", ["reader"], user_id="ci")
    assert (await tokens.authenticate(env, token)).user_id == "ci"
    await tokens.revoke(env, record.id)
    for attempt in (token, token + "x", "", None):
        with pytest.raises(errors.Unauthorized):
            await tokens.authenticate(env, attempt)
    [listed] = await tokens.list(env)
    assert listed.revoked_at is not None


async def test_tokens_are_distinct(env: ServiceEnv) -> None:
    made = [await tokens.create(env, "p1", ["reader"]) for _ in range(3)]
    assert len({token for _, token in made}) == 3
    assert {record.id for record in await tokens.list(env)} == {record.id for record, _ in made}
