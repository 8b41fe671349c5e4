"""The embedded target: the mini-DNS is itself the nameserver, so there is nothing to provision.

A zone exists on it as soon as its rows are committed, and is gone once the zone's action is
DELETE (the mini-DNS stops serving it). The worker still proves both with SOA queries.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from zonekeeper.backends.base import ZoneTarget


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmbeddedBackend:
    def __init__(self, options: Options) -> None:
        self.options = options

    async def create_zone(self, zone: ZoneTarget) -> None:
        return None

    async def delete_zone(self, zone: ZoneTarget) -> None:
        return None

    async def refresh_zone(self, zone: ZoneTarget) -> None:
        return None  # the mini-DNS serves each commit as soon as it is made

    async def list_zones(self) -> set[str]:
        # What the embedded server holds is exactly our database: there can be no orphans.
        return set()
