"""Built-in API tokens, for deployments without Keystone (``api.auth.strategy = token``).

A token is shown once, when made; only its SHA-256 is stored (see storage/tables.py for why a
fast hash is right here). A token acts as a user of one project with the roles it was given;
expired or revoked, it is refused like a wrong one.
"""

from __future__ import annotations

import builtins
import hashlib
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Final

from zonekeeper.domain import errors
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import api_tokens
from zonekeeper.storage.api_tokens import ApiToken

PREFIX: Final = "zk_"
"""Marks our tokens in logs and secret scanners."""


def digest(token: str) -> str:
    """The stored form of ``token``."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create(
    env: ServiceEnv,
    project_id: str,
    roles: Iterable[str],
    *,
    user_id: str | None = None,
    expires_at: datetime | None = None,
    description: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token of ``project_id`` with ``roles``: the stored record and the token itself
    (which is not kept). Raises BadRequest for an empty project, no roles, or an expiry in
    the past."""
    wanted = frozenset(role.strip() for role in roles if role.strip())
    now = env.now()
    if not project_id.strip() or not wanted:
        raise errors.BadRequest("A token needs a project and at least one role")
    if expires_at is not None and expires_at <= now:
        raise errors.BadRequest("The expiry must be in the future")
    token_id = str(uuid.uuid4())
    record = ApiToken(
        id=token_id,
        project_id=project_id.strip(),
        user_id=user_id or f"token-{token_id}",
        roles=wanted,
        description=description,
        created_at=now,
        expires_at=expires_at,
        revoked_at=None,
    )
    secret = PREFIX + secrets.token_urlsafe(32)
    async with env.db.transaction() as conn:
        await api_tokens.insert(conn, record, digest(secret))
    return record, secret


async def list(env: ServiceEnv) -> builtins.list[ApiToken]:
    """Every token made, revoked and expired ones included, oldest first."""
    async with env.db.read() as conn:
        return await api_tokens.list_all(conn)


async def revoke(env: ServiceEnv, token_id: str) -> None:
    """Refuse the token from now on. Idempotent; raises NotFound for an unknown id."""
    async with env.db.transaction() as conn:
        if not await api_tokens.revoke(conn, token_id, env.now()):
            raise errors.NotFound(f"No token {token_id}")


async def authenticate(env: ServiceEnv, token: str | None) -> ApiToken:
    """The valid token ``token`` is; raises Unauthorized when it is missing, unknown,
    expired or revoked."""
    if token:
        async with env.db.read() as conn:
            found = await api_tokens.by_hash(conn, digest(token.strip()))
        if found is not None and found.valid_at(env.now()):
            return found
    raise errors.Unauthorized()
