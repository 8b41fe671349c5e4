"""What every service call needs besides the caller: the database, settings and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from zonekeeper.config import Settings
from zonekeeper.storage.database import Database


def utcnow() -> datetime:
    """Naive UTC, as stored in the database and rendered by the API (no ``Z``)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class ServiceEnv:
    db: Database
    settings: Settings
    now: Callable[[], datetime] = field(default=utcnow)
