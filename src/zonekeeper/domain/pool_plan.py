"""The plan that turns the stored pools into the ones a ``pools.yaml`` wants: which pools are
created, updated (and in which fields), deleted or left as they are. Pure, no I/O."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zonekeeper.domain import errors, pools
from zonekeeper.domain.pools import PoolSpec


class Verb(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of one pool, before and after, in the JSON form."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class PoolChange:
    """What happens to one pool. ``pool`` is the pool after the change (before, for DELETE),
    always with its id; ``fields`` lists every compared field that differs."""

    verb: Verb
    pool: PoolSpec
    fields: tuple[FieldChange, ...] = ()

    @property
    def ns_records_changed(self) -> bool:
        return any(change.field == "ns_records" for change in self.fields)


def plan(
    current: Sequence[PoolSpec],
    desired: Sequence[PoolSpec],
    delete: bool,
    new_id: Callable[[PoolSpec], str],
) -> tuple[PoolChange, ...]:
    """The changes that make ``current`` (stored, every id set) into ``desired``.

    A desired pool matches the current one with its id, else the one with its name; an
    unmatched one is created under ``new_id(spec)``. Current pools that nothing matches are
    deleted when ``delete``, else left alone (and not reported). Pure; raises InvalidObject
    when two pools would end up with one name.
    """
    by_id = {pool.id: pool for pool in current}
    by_name = {pool.name: pool for pool in current}
    changes: list[PoolChange] = []
    for spec in desired:
        old = by_id.get(spec.id) if spec.id is not None else by_name.get(spec.name)
        if old is None:
            created = _with_id(spec, spec.id or new_id(spec))
            changes.append(PoolChange(Verb.CREATE, created, _differences(None, created)))
        else:
            changes.append(_update(old, _with_id(spec, old.id)))
    matched = {change.pool.id for change in changes}
    leftover = [pool for pool in current if pool.id not in matched]
    if delete:
        changes += [PoolChange(Verb.DELETE, pool) for pool in leftover]
    kept = [change.pool for change in changes if change.verb is not Verb.DELETE]
    _check_names(kept, [] if delete else leftover)
    return tuple(changes)


def _with_id(spec: PoolSpec, pool_id: str | None) -> PoolSpec:
    return dataclasses.replace(spec, id=pool_id)


def _update(old: PoolSpec, new: PoolSpec) -> PoolChange:
    fields = _differences(old, new)
    return PoolChange(Verb.UPDATE if fields else Verb.UNCHANGED, new, fields)


def _differences(old: PoolSpec | None, new: PoolSpec) -> tuple[FieldChange, ...]:
    before = pools.to_json(old) if old is not None else {}
    after = pools.to_json(new)
    return tuple(
        FieldChange(key, before.get(key), after[key])
        for key in pools.COMPARED
        if before.get(key) != after[key]
    )


def _check_names(kept: Sequence[PoolSpec], untouched: Sequence[PoolSpec]) -> None:
    seen: dict[str, str | None] = {}
    problems: list[errors.FieldError] = []
    for pool in [*kept, *untouched]:
        if pool.name in seen and seen[pool.name] != pool.id:
            message = f"pool {pool.name!r}: name already used by pool {seen[pool.name]}"
            problems.append(errors.FieldError(("name",), message))
        seen.setdefault(pool.name, pool.id)
    if problems:
        raise errors.InvalidObject(problems, "Invalid pools file")
