"""Per-test outcomes of a tempest run, the committed expectations (expected.txt), how the two
compare, and the per-module report. Pure functions: no processes, no files."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

OUTCOMES: Final = ("pass", "fail", "skip")
_STATUS: Final = {"success": "pass", "xfail": "pass", "skip": "skip"}
"""subunit status -> outcome; every other status (fail, uxsuccess, ...) is a failure."""
_NOT_AN_OUTCOME: Final = frozenset({"exists", "inprogress"})
"""Statuses that announce a test (stestr first enumerates every test), not its end."""
_ATTRIBUTES: Final = re.compile(r"\[[^\]]*\]$")
_FIXTURE: Final = re.compile(r"^(?P<kind>setUpClass|tearDownClass) \((?P<cls>[\w.]+)\)$")

DESIGNATE_QUOTED: Final = {"pass": 304, "fail": 1, "skip": 7, "tests": 312}
"""Designate 23.0.0 behind Keystone on this machine kind (2026-11-22), test_ptrs excluded.
Quoted: measured in an earlier run, not in the same run as the numbers it is printed beside."""


@dataclass(frozen=True, slots=True)
class Result:
    """One test's outcome; ``detail`` is the traceback or skip reason, or why it never ran."""

    outcome: str
    detail: str = ""


def test_id(raw: str) -> str:
    """A tempest test id without its attribute suffix (``[id-…,smoke]``)."""
    return _ATTRIBUTES.sub("", raw.strip())


def module_of(test: str) -> str:
    """The module part of a test id: ``v2.test_zones`` for
    ``designate_tempest_plugin.tests.api.v2.test_zones.ZonesTest.test_x``."""
    parts = test.split(".")
    return ".".join(parts[3:5])


def outcomes(listed: Iterable[str], records: Iterable[Mapping[str, Any]]) -> dict[str, Result]:
    """The outcome of every ``listed`` test from the subunit ``records`` (id, status,
    traceback). A test without a record of its own takes its class's ``setUpClass`` outcome
    when that skipped or failed (then none of the class's tests ran); else it never ran
    (the run was stopped): fail."""
    own: dict[str, Result] = {}
    class_setup: dict[str, Result] = {}
    for record in records:
        if record["status"] in _NOT_AN_OUTCOME:
            continue
        result = Result(_STATUS.get(str(record["status"]), "fail"), str(record["traceback"]))
        fixture = _FIXTURE.match(str(record["id"]))
        if fixture is None:
            own[test_id(str(record["id"]))] = result
        elif fixture["kind"] == "setUpClass" and result.outcome != "pass":
            class_setup[fixture["cls"]] = result
    found: dict[str, Result] = {}
    for test in sorted({test_id(raw) for raw in listed}):
        never_ran = Result("fail", "never ran (the run stopped or timed out before it)")
        found[test] = own.get(test) or class_setup.get(test.rsplit(".", 1)[0], never_ran)
    return found


def fixture_failures(records: Iterable[Mapping[str, Any]], kind: str) -> list[str]:
    """The classes whose ``kind`` fixture (``setUpClass``, ``tearDownClass``) failed. A failed
    tearDownClass (a cleanup) is worth a look, though no test's outcome depends on it."""
    failed = []
    for record in records:
        fixture = _FIXTURE.match(str(record["id"]))
        status = str(record["status"])
        announced_or_fine = status in _NOT_AN_OUTCOME or status in _STATUS
        if fixture and fixture["kind"] == kind and not announced_or_fine:
            failed.append(fixture["cls"])
    return sorted(failed)


def read_expected(text: str) -> dict[str, str]:
    """expected.txt: ``<test id> <pass|fail|skip>`` per line; ``#`` starts a comment. Raises
    ValueError naming the first bad line."""
    expected: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        test, _, outcome = line.rpartition(" ")
        if not test or outcome not in OUTCOMES:
            raise ValueError(f"expected.txt line {number}: want '<test id> <pass|fail|skip>'")
        expected[test.strip()] = outcome
    return expected


def render_expected(results: Mapping[str, Result], header: str) -> str:
    """expected.txt for ``results``, sorted by test id, under the ``#`` comment ``header``."""
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return comment + "".join(f"{test} {results[test].outcome}\n" for test in sorted(results))


@dataclass
class Comparison:
    """How a run differs from the expectations. Only ``regressions`` fail the run."""

    regressions: list[str] = field(default_factory=list)
    """Expected to pass, did not."""
    newly_passing: list[str] = field(default_factory=list)
    """Passed, expected to fail or skip (or a new test)."""
    other_changes: list[str] = field(default_factory=list)
    """``test: expected -> got`` between fail and skip, or a new test that did not pass."""
    gone: list[str] = field(default_factory=list)
    """Expected, but no longer in the suite (the plugin changed)."""

    @property
    def failed(self) -> bool:
        return bool(self.regressions)


def compare(expected: Mapping[str, str], results: Mapping[str, Result]) -> Comparison:
    """The differences between ``expected`` outcomes and this run's ``results``."""
    comparison = Comparison(gone=sorted(set(expected) - set(results)))
    for test in sorted(results):
        got, want = results[test].outcome, expected.get(test)
        if got == want:
            continue
        if want == "pass":
            comparison.regressions.append(test)
        elif got == "pass":
            comparison.newly_passing.append(test)
        else:
            comparison.other_changes.append(f"{test}: {want or 'new test'} -> {got}")
    return comparison


def per_module(results: Mapping[str, Result]) -> dict[str, Counter[str]]:
    """Outcome counts per test module, modules sorted."""
    counts: dict[str, Counter[str]] = {}
    for test, result in results.items():
        counts.setdefault(module_of(test), Counter())[result.outcome] += 1
    return dict(sorted(counts.items()))


def format_table(results: Mapping[str, Result]) -> str:
    """Per-module passed/failed/skipped, the total, and Designate's quoted total. Worded so
    that no line reads as a test runner's own closing line."""
    rows = [("module", "passed", "failed", "skipped", "tests")]
    total: Counter[str] = Counter()
    for module, counts in per_module(results).items():
        total.update(counts)
        rows.append((module, *_counts(counts)))
    rows.append(("all modules", *_counts(total)))
    quoted = DESIGNATE_QUOTED
    rows.append(("Designate 23.0.0 (quoted)", *map(str, (quoted[k] for k in (*OUTCOMES, "tests")))))
    width = max(len(row[0]) for row in rows)
    lines = [f"{row[0]:<{width}} " + " ".join(f"{cell:>7}" for cell in row[1:]) for row in rows]
    lines.append(
        "(quoted: Designate's figures come from an earlier run behind Keystone on this machine "
        "kind, not from this run)"
    )
    return "\n".join(lines)


def _counts(counts: Counter[str]) -> tuple[str, str, str, str]:
    return (
        str(counts["pass"]),
        str(counts["fail"]),
        str(counts["skip"]),
        str(sum(counts.values())),
    )
