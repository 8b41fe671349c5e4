"""Rows of the built-in API tokens: only the hash of a token is ever stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.storage.tables import api_tokens


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A built-in token as stored (never the token itself)."""

    id: str
    project_id: str
    user_id: str
    roles: frozenset[str]
    description: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def valid_at(self, now: datetime) -> bool:
        """Not revoked, and not expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


async def insert(conn: AsyncConnection, token: ApiToken, token_hash: str) -> None:
    await conn.execute(
        api_tokens.insert().values(
            id=token.id,
            token_hash=token_hash,
            project_id=token.project_id,
            user_id=token.user_id,
            roles=",".join(sorted(token.roles)),
            description=token.description,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
        )
    )


async def by_hash(conn: AsyncConnection, token_hash: str) -> ApiToken | None:
    row = (
        await conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash))
    ).first()
    return None if row is None else _from_row(row._mapping)


async def list_all(conn: AsyncConnection) -> list[ApiToken]:
    """Every token, oldest first."""
    rows = await conn.execute(select(api_tokens).order_by(api_tokens.c.created_at))
    return [_from_row(row._mapping) for row in rows]


async def revoke(conn: AsyncConnection, token_id: str, now: datetime) -> bool:
    """Mark the token revoked at ``now`` (an already revoked one keeps its time). False when
    there is no such token."""
    exists = await conn.execute(select(api_tokens.c.id).where(api_tokens.c.id == token_id))
    if exists.first() is None:
        return False
    await conn.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return True


def _from_row(row: RowMapping) -> ApiToken:
    return ApiToken(
        id=row["id"],
        project_id=row["project_id"],
        user_id=row["user_id"],
        roles=frozenset(role for role in row["roles"].split(",") if role),
        description=row["description"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )
