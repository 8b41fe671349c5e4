"""``make conformance``: Designate's own tempest API tests (designate-tempest-plugin) against a
Zonekeeper of its own behind a real Keystone, compared with tests/conformance/expected.txt.

1. Keystone (tests/keystone_server.py), a BIND 9 (tests/conformance/nameserver.py: the default
   pool's target and nameserver, as in Designate's reference run) and ``zonekeeper serve``
   start on free loopback ports in a temp directory; Keystone gets the DNS API's service user
   and a ``dns`` service whose endpoints are Zonekeeper's unversioned root.
2. tempest (its own venv, .venv-conformance/tempest) runs ``SUITE`` less ``EXCLUDED`` with
   stestr, ``CONCURRENCY`` workers, the whole run capped at ``--timeout`` seconds.
3. Each listed test gets pass/fail/skip (subunit). A test expected to pass that did not is
   run once more on its own: failing again, it fails the run (exit 1); passing, it is reported
   as flaky. Newly passing tests are reported; ``--update`` (``make conformance-update``)
   rewrites expected.txt from this run instead.
4. Everything started is stopped and the temp directory removed (``--workdir`` keeps it).

Run from the repository root: ``.venv/bin/python -m tests.conformance.run [--update]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tests import keystone_server
from tests.conformance import nameserver, outcomes
from tests.conformance.tempest_conf import Target, write_workspace
from tests.e2e.serve import Serve
from tests.processes import stop_group

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TEMPEST_VENV = Path(
    os.environ.get("ZONEKEEPER_TEMPEST_VENV", ROOT / ".venv-conformance" / "tempest")
)
EXPECTED = HERE / "expected.txt"
SUITE = r"^designate_tempest_plugin\.tests\.api\."
EXCLUDED = r"^designate_tempest_plugin\.tests\.api\.v2\.test_ptrs\."
"""The PTR tests need a Neutron (``network`` service) in the catalog; we register none."""
CONCURRENCY = 2
RUN_TIMEOUT = 600.0
"""Seconds for the tempest run; past it the run is stopped and unfinished tests fail."""
SERVICE_USER = ("designate", "conformance-service-secret")
"""The DNS API's own Keystone user, in project ``service``."""
SERVICE_ROLES = ("service", "admin")
"""Keystone 30 lets ``service`` or ``admin`` validate others' tokens."""
AUTH_STRATEGIES = ("keystone", "noauth")
"""What `zonekeeper serve` is run with (``api.auth.strategy``); the first is the default. With
noauth every request acts as admin of ``noauth-project``, whatever its token."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.update and args.filter != SUITE:
        parser.error("--update records the whole suite: it cannot be combined with --filter")
    if not (TEMPEST_VENV / "bin" / "stestr").exists():
        print(f"no tempest venv at {TEMPEST_VENV}: run `make conformance-deps`", file=sys.stderr)
        return 2
    expected = None if args.update else _expected()
    clock = Clock()
    flaky: list[str] = []
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="zk-conformance-"))
        )
        tempest = stack.enter_context(_started(workdir, args.auth, clock))
        with clock.phase("list"):
            listed = tempest.list(args.filter)
        print(f"running {len(listed)} tempest tests, {CONCURRENCY} workers ...", flush=True)
        with clock.phase("tempest run"):
            records = tempest.run(args.filter, args.timeout, "results")
        results = outcomes.outcomes(listed, records)
        if expected is not None and args.filter != SUITE:  # what --filter left out is not gone
            expected = {test: outcome for test, outcome in expected.items() if test in results}
        comparison = outcomes.compare(expected or {}, results)
        if expected is not None and comparison.regressions:
            with clock.phase("re-run of regressions"):
                flaky = _passing_again(tempest, comparison.regressions, args.timeout)
    print(outcomes.format_table(results))
    _print_fixture_failures(records)
    print(clock.report())
    if expected is None:
        EXPECTED.write_text(outcomes.render_expected(results, _header(args.auth)))
        print(f"wrote {EXPECTED.relative_to(ROOT)} ({len(results)} tests)")
        return 0
    return _judge(comparison, results, flaky)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--update", action="store_true", help="rewrite expected.txt from this run's outcomes"
    )
    parser.add_argument(
        "--workdir", type=Path, help="keep logs, tempest.conf and the subunit stream here"
    )
    parser.add_argument("--auth", choices=AUTH_STRATEGIES, default=AUTH_STRATEGIES[0])
    parser.add_argument("--timeout", type=float, default=RUN_TIMEOUT, help="seconds for tempest")
    parser.add_argument(
        "--filter", default=SUITE, help="regex of the tests to run (default: the API suite)"
    )
    return parser


class Clock:
    """Wall-clock time of each phase, for the report."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, float]] = []
        self._start = time.monotonic()

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.monotonic()
        try:
            yield
        finally:
            self.phases.append((name, time.monotonic() - start))

    def report(self) -> str:
        parts = [f"{name} {seconds:.0f} s" for name, seconds in self.phases]
        return f"timing: {', '.join(parts)}; total {time.monotonic() - self._start:.0f} s"


@contextlib.contextmanager
def _started(workdir: Path, auth: str, clock: Clock) -> Iterator[Tempest]:
    """Keystone and Zonekeeper running, and a tempest workspace pointed at them."""
    with contextlib.ExitStack() as stack:
        with clock.phase("keystone start"):
            keystone = stack.enter_context(keystone_server.running(workdir / "keystone"))
            with keystone.admin() as admin:
                admin.user(*SERVICE_USER, "service", SERVICE_ROLES)
        with clock.phase("zonekeeper start"):
            pool = stack.enter_context(nameserver.bind_pool(workdir, workdir / "zonekeeper"))
            env = _zonekeeper_env(auth, keystone)
            zonekeeper = stack.enter_context(_zonekeeper(workdir, env, pool.dns_listen))
            # The catalog names Zonekeeper's unversioned root: tempest appends v2/ itself.
            root = zonekeeper.base_url + "/"
            with keystone.admin() as admin:
                admin.service("dns", "designate", root)
        target = Target(keystone.auth_url, keystone.admin_password, pool.nameserver)
        workspace = workdir / "tempest"
        yield Tempest(workspace, write_workspace(workspace, target, _site_packages()))


def _passing_again(tempest: Tempest, tests: list[str], timeout: float) -> list[str]:
    """Of ``tests`` (regressions), those that pass when run once more on their own: flaky,
    not broken. One worker, so they do not race each other this time."""
    print(f"running the {len(tests)} regressed tests again ...", flush=True)
    exact = "|".join(re.escape(test) + r"(\[|$)" for test in tests)
    records = tempest.run(f"^({exact})", timeout, "rerun", concurrency=1)
    again = outcomes.outcomes(tests, records)
    return [test for test in tests if again[test].outcome == "pass"]


def _zonekeeper_env(auth: str, keystone: keystone_server.Keystone) -> dict[str, str]:
    """`zonekeeper serve`'s settings for ``auth`` (noauth is its default)."""
    if auth == "noauth":
        return {}
    authtoken = "ZONEKEEPER_KEYSTONE_AUTHTOKEN__"
    return {
        "ZONEKEEPER_API__AUTH__STRATEGY": "keystone",
        f"{authtoken}WWW_AUTHENTICATE_URI": keystone.url,
        f"{authtoken}AUTH_URL": keystone.url,
        f"{authtoken}USERNAME": SERVICE_USER[0],
        f"{authtoken}PASSWORD": SERVICE_USER[1],
        f"{authtoken}PROJECT_NAME": "service",
        f"{authtoken}REGION_NAME": keystone_server.REGION,
    }


@contextlib.contextmanager
def _zonekeeper(workdir: Path, env: dict[str, str], dns_listen: str) -> Iterator[Serve]:
    """`zonekeeper serve` with a data directory of its own, so that the TLDs and zones tempest
    leaves behind touch nothing else, its mini-DNS on ``dns_listen`` (where the pool's BIND
    transfers from); its log is saved as ``zonekeeper.log``."""
    # A generous deadline: on a loaded machine its start alone took over 30 s.
    server = Serve(workdir / "zonekeeper", "--dns-listen", dns_listen, env=env, start_timeout=120)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            try:
                server.terminate()
            except subprocess.TimeoutExpired:
                server.kill()
        (workdir / "zonekeeper.log").write_text("\n".join(server.lines) + "\n")


def _site_packages() -> Path:
    [found] = (TEMPEST_VENV / "lib").glob("python3*/site-packages")
    return found


class Tempest:
    """stestr in a tempest workspace, in tempest's venv."""

    def __init__(self, workspace: Path, conf: Path) -> None:
        self.workspace = workspace
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
            "TEMPEST_CONFIG_DIR": str(conf.parent),
            "TEMPEST_CONFIG": conf.name,
        }
        self._stestr("init")

    def _stestr(self, *args: str) -> str:
        command = [str(TEMPEST_VENV / "bin" / "stestr"), *args]
        done = subprocess.run(
            command, cwd=self.workspace, env=self.env, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"stestr {args[0]} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def list(self, suite: str) -> list[str]:
        """The ids of the tests the run will start."""
        listing = self._stestr("list", "--exclude-regex", EXCLUDED, suite)
        listed = [line for line in listing.splitlines() if line.startswith("designate_tempest")]
        if not listed:
            raise RuntimeError(f"tempest lists no test matching {suite}")
        return listed

    def run(
        self, suite: str, timeout: float, name: str, concurrency: int = CONCURRENCY
    ) -> list[dict[str, Any]]:
        """Run the tests, their subunit stream kept as ``<name>.subunit``; their records (id,
        status, traceback). stestr exits non-zero whenever a test fails, so only the stream
        is judged."""
        stream = self.workspace / f"{name}.subunit"
        command = [str(TEMPEST_VENV / "bin" / "stestr"), "run", "--subunit"]
        command += ["--concurrency", str(concurrency), "--exclude-regex", EXCLUDED, suite]
        with stream.open("wb") as out, (self.workspace / f"{name}.stderr").open("wb") as err:
            process = subprocess.Popen(
                command, cwd=self.workspace, env=self.env, stdout=out, stderr=err,
                start_new_session=True,
            )  # fmt: skip
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                print(f"tempest ran past {timeout:.0f} s: stopped", file=sys.stderr)
                stop_group(process)
        return _records(stream)


def _records(stream: Path) -> list[dict[str, Any]]:
    reader = [str(TEMPEST_VENV / "bin" / "python"), str(HERE / "subunit_results.py")]
    with stream.open("rb") as data:
        done = subprocess.run(reader, stdin=data, capture_output=True, check=True, timeout=120)
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def _print_fixture_failures(records: list[dict[str, Any]]) -> None:
    setups = outcomes.fixture_failures(records, "setUpClass")
    if setups:
        print(f"{len(setups)} test classes failed in setUpClass: their tests count as failed")
    for cleanup in outcomes.fixture_failures(records, "tearDownClass"):
        print(f"note: the clean-up (tearDownClass) of {cleanup} failed")


def _header(auth: str) -> str:
    return (
        "Expected outcome of each Designate tempest API test (designate-tempest-plugin 0.30.0,\n"
        f"test_ptrs excluded) against `zonekeeper serve` with api.auth.strategy = {auth}.\n"
        "`make conformance` fails when a test listed as pass does not pass.\n"
        "Written by `make conformance-update`; see docs/conformance.md."
    )


def _expected() -> dict[str, str]:
    """expected.txt; raises SystemExit when it is missing."""
    if not EXPECTED.exists():
        sys.exit(f"no {EXPECTED.relative_to(ROOT)}: run `make conformance-update`")
    return outcomes.read_expected(EXPECTED.read_text())


def _judge(
    comparison: outcomes.Comparison, results: dict[str, outcomes.Result], flaky: list[str]
) -> int:
    for test in comparison.newly_passing:
        print(f"newly passing: {test}")
    for change in comparison.other_changes:
        print(f"changed: {change}")
    for test in comparison.gone:
        print(f"no longer in the suite: {test}")
    if comparison.newly_passing or comparison.other_changes or comparison.gone:
        print("(`make conformance-update` records these in expected.txt)")
    for test in flaky:
        print(f"FLAKY (failed, then passed on its own): {test}")
    broken = [test for test in comparison.regressions if test not in flaky]
    for test in broken:
        detail = "\n    ".join(results[test].detail.strip().splitlines()[-25:])
        print(f"REGRESSION: {test}\n    {detail}")
    if broken:
        print(f"conformance: {len(broken)} test(s) expected to pass did not")
        return 1
    print("conformance: no regression against expected.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
