"""The TSIG key options of a target that transfers from the mini-DNS (bind9, pdns4).

The names follow Designate's pdns4 driver (``tsigkey_name``); the secret and algorithm are
Zonekeeper's additions, because the mini-DNS must know the key to verify the transfers signed
with it. A target may instead name a TSIG key resource (``/v2/tsigkeys``) by its ``tsigkey_id``,
as Designate's pools.yaml does: the worker then fills these options from that key.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, field_validator, model_validator

from zonekeeper.domain import transfers


class TsigOptions(BaseModel):
    """Mixed into a backend's ``Options``."""

    tsigkey_name: str | None = None
    """The TSIG key the server signs its transfers from the masters with (it must know the
    key by this name: BIND from named.conf, PowerDNS from its tsigkeys)."""
    tsigkey_secret: str | None = None
    """The key's base64 secret, as ``tsig-keygen`` prints it; required with
    ``tsigkey_name``."""
    tsigkey_algorithm: str = transfers.DEFAULT_ALGORITHM

    @field_validator("tsigkey_name")
    @classmethod
    def _check_name(cls, value: str | None) -> str | None:
        return None if value is None else transfers.check_name(value)

    @field_validator("tsigkey_secret")
    @classmethod
    def _check_secret(cls, value: str | None) -> str | None:
        return None if value is None else transfers.check_secret(value)

    @field_validator("tsigkey_algorithm")
    @classmethod
    def _check_algorithm(cls, value: str) -> str:
        return transfers.check_algorithm(value)

    @model_validator(mode="after")
    def _check_pair(self) -> Self:
        if self.tsigkey_name and not self.tsigkey_secret:
            raise ValueError(
                "tsigkey_secret is required with tsigkey_name: the mini-DNS must know the key "
                "to verify the transfers signed with it"
            )
        if self.tsigkey_secret and not self.tsigkey_name:
            raise ValueError("tsigkey_name is required with tsigkey_secret")
        return self

    @property
    def tsig_key(self) -> transfers.TsigKey | None:
        if self.tsigkey_name is None or self.tsigkey_secret is None:
            return None
        return transfers.TsigKey(self.tsigkey_name, self.tsigkey_secret, self.tsigkey_algorithm)
