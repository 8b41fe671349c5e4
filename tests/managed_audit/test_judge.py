"""The audit's pure decisions, table-driven: which resources are stale, and when removing
them is a mass deletion."""

from __future__ import annotations

import pytest

from zonekeeper.storage.managed import ManagedBy, OwnedRecord
from zonekeeper.worker import managed_audit
from zonekeeper.worker.managed_audit import ManagedReport, Stale


def record(resource_type: str, resource_id: str, port_id: str | None = None) -> OwnedRecord:
    tag = ManagedBy("plugin", resource_type, resource_id, "p", port_id)
    return OwnedRecord(
        f"r-{resource_id}", "rs", "z", f"{resource_id}.example.", "A", None, "192.0.2.1", tag
    )


VM1, VM2 = record("instance", "vm-1"), record("instance", "vm-2")
FIP = record("floatingip", "fip-1", "port-1")


@pytest.mark.parametrize(
    ("existing", "stale"),
    [
        ({"instance": {"vm-1", "vm-2"}}, []),
        ({"instance": {"vm-1"}}, [("instance", "vm-2")]),
        ({"instance": set()}, [("instance", "vm-1"), ("instance", "vm-2")]),
        ({}, []),  # nothing asked: nothing judged
        ({"floatingip": {"fip-1"}, "port": set()}, [("port", "port-1")]),
        ({"floatingip": set(), "port": {"port-1"}}, [("floatingip", "fip-1")]),
        ({"port": set()}, [("port", "port-1")]),  # floating IPs not asked
    ],
)
def test_judge(existing: dict[str, set[str]], stale: list[tuple[str, str]]) -> None:
    grouped = managed_audit.group([VM1, VM2, FIP])
    found = managed_audit.judge(grouped, existing)
    assert [(s.kind, s.resource_id) for s in found] == stale


def report(total: int, stale_sizes: list[int]) -> ManagedReport:
    stale = [
        Stale("instance", f"vm-{i}", tuple(record("instance", f"vm-{i}") for _ in range(n)))
        for i, n in enumerate(stale_sizes)
    ]
    return ManagedReport(records={"instance": total}, stale=stale)


@pytest.mark.parametrize(
    ("total", "stale_sizes", "threshold", "refused"),
    [
        (100, [5, 5], 10, False),  # 10 %: at the threshold
        (100, [5, 6], 10, True),  # 11 %
        (2, [2], 10, False),  # one resource is never a mass deletion
        (2, [1, 1], 10, True),
        (2, [1, 1], 100, False),
        (10, [1, 1], 0, True),
        (10, [], 0, False),
    ],
)
def test_unsafe(total: int, stale_sizes: list[int], threshold: int, refused: bool) -> None:
    assert bool(managed_audit.unsafe(report(total, stale_sizes), threshold)) is refused
