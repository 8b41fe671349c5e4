"""A newcomer's first commands, as real processes: read-only commands on a database that is
not there, not migrated or not reachable; `serve` on an address in use or a malformed one;
and what `audit` says when all is well. Each failure is one ``error:`` line and exit 2, and
nothing is created on the way."""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from designateclient.v2.client import Client

from tests import databases
from tests.e2e.serve import ZONEKEEPER, Serve
from tests.e2e.test_serve import wait_active

pytestmark = pytest.mark.e2e

READ_COMMANDS = [
    ["doctor", "example.org."],
    ["audit"],
    ["audit", "--managed"],
    ["pool", "show"],
]


def zonekeeper(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ZONEKEEPER, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line a failed command printed (asserting it printed nothing else)."""
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty working directory, to show that nothing lands in it."""
    path = tmp_path / "cwd"
    path.mkdir()
    return path


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_a_read_command_on_no_database_says_so_and_creates_nothing(
    command: list[str], tmp_path: Path, workdir: Path
) -> None:
    absent = tmp_path / "absent"
    line = one_error_line(zonekeeper(*command, "--data-dir", str(absent), cwd=workdir))
    assert line.startswith(f"error: no database at {absent / 'zonekeeper.sqlite'}; ")
    assert "zonekeeper db upgrade" in line
    assert not absent.exists()
    assert list(workdir.iterdir()) == []


def test_the_data_dir_comes_from_the_environment_not_the_working_directory(
    tmp_path: Path, workdir: Path
) -> None:
    env = {"ZONEKEEPER_DATA_DIR": str(tmp_path / "data")}
    upgraded = zonekeeper("db", "upgrade", cwd=tmp_path, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout == "database at head\n"
    assert (tmp_path / "data" / "zonekeeper.sqlite").is_file()
    shown = zonekeeper("pool", "show", cwd=workdir, env=env)
    assert (shown.returncode, shown.stdout, shown.stderr) == (0, "[]\n", "")
    assert list(workdir.iterdir()) == []


def test_an_unmigrated_sqlite_file_is_named(tmp_path: Path, workdir: Path) -> None:
    (tmp_path / "zonekeeper.sqlite").touch()
    line = one_error_line(zonekeeper("audit", "--data-dir", str(tmp_path), cwd=workdir))
    assert "zonekeeper.sqlite is not migrated (at no schema, needs " in line


def test_an_unmigrated_postgres_database_is_named(workdir: Path) -> None:
    with databases.scratch_postgres("zk_first_run", migrated=False) as url:
        line = one_error_line(
            zonekeeper("doctor", "x.example.", "--database-url", url, cwd=workdir)
        )
    assert line.startswith(f"error: the database {url} is not migrated (at no schema, needs ")


def test_a_role_on_an_unmigrated_shared_database_says_so_before_listening(workdir: Path) -> None:
    with databases.scratch_postgres("zk_first_run", migrated=False) as url:
        line = one_error_line(
            zonekeeper("api", "--api-listen", "127.0.0.1:0", "--database-url", url, cwd=workdir)
        )
    assert line.startswith(f"error: the database {url} is not migrated (at no schema, needs ")
    assert "zonekeeper db upgrade" in line


def test_an_unreachable_database_is_named(workdir: Path) -> None:
    with socket.socket() as closed:  # a loopback port nobody listens on
        closed.bind(("127.0.0.1", 0))
        url = f"postgresql+asyncpg://postgres:secret@127.0.0.1:{closed.getsockname()[1]}/x"
        line = one_error_line(zonekeeper("pool", "show", "--database-url", url, cwd=workdir))
    assert line.startswith("error: cannot open the database postgresql+asyncpg://postgres:***@")
    assert line.endswith("check --database-url (or database_url in --config)")


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback TCP port someone else listens on."""
    with socket.create_server(("127.0.0.1", 0)) as holder:
        yield holder.getsockname()[1]


@pytest.mark.parametrize(("flag", "role"), [("--api-listen", "API"), ("--dns-listen", "mini-DNS")])
def test_serve_on_an_address_in_use_says_which_in_one_line(
    flag: str, role: str, taken_port: int, tmp_path: Path, workdir: Path
) -> None:
    listen = {"--api-listen": "127.0.0.1:0", "--dns-listen": "127.0.0.1:0"}
    listen[flag] = f"127.0.0.1:{taken_port}"
    flags = [part for pair in listen.items() for part in pair]
    served = zonekeeper("serve", *flags, "--data-dir", str(tmp_path / "data"), cwd=workdir)
    line = one_error_line(served)
    assert (
        line == f"error: the {role} cannot listen on 127.0.0.1:{taken_port}: Address already in use"
    )


@pytest.mark.parametrize("bad", ["127.0.0.1:http", "127.0.0.1:70000"])
def test_serve_with_a_malformed_listen_address_says_so_in_one_line(
    bad: str, tmp_path: Path, workdir: Path
) -> None:
    served = zonekeeper("serve", "--api-listen", bad, "--data-dir", str(tmp_path), cwd=workdir)
    line = one_error_line(served)
    assert line == f"error: api.listen: expected HOST:PORT with a port of 0 to 65535, got {bad!r}"
    assert list(tmp_path.iterdir()) == [workdir]


def test_audit_of_a_served_zone_says_what_it_checked(
    served: Serve, client: Client, workdir: Path
) -> None:
    zone = client.zones.create("audited.example.", email="hostmaster@audited.example")
    wait_active(client, zone["id"])
    data_dir = ["--data-dir", str(served.data_dir)]
    pools = yaml.safe_load(zonekeeper("pool", "show", *data_dir, cwd=workdir).stdout)
    assert [pool["name"] for pool in pools] == ["default"]

    audited = zonekeeper("audit", *data_dir, cwd=workdir)
    assert audited.returncode == 0, audited.stderr
    assert audited.stdout.splitlines() == [
        "checked: 1 ACTIVE zones on 1 nameservers, 0 behind",
        "checked: no targets besides the mini-DNS, no orphans possible",
    ]
    managed = zonekeeper("audit", "--managed", *data_dir, cwd=workdir)
    assert (managed.returncode, managed.stdout) == (
        0,
        "checked: 0 managed records, nothing to ask Nova or Neutron about\n",
    )


def test_serve_refuses_a_sink_template_its_handler_cannot_fill(
    tmp_path: Path, workdir: Path
) -> None:
    env = {
        "ZONEKEEPER_SINK__BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/",
        "ZONEKEEPER_SINK__NEUTRON_FLOATINGIP__ZONE_ID": "a-zone-id",
        "ZONEKEEPER_SINK__NEUTRON_FLOATINGIP__FORMAT": "%(hostname)s.%(zone)s",
        # Were it not refused: a scratch queue and free ports, never the shared defaults.
        "ZONEKEEPER_SINK__QUEUE": f"zk-first-run-{uuid.uuid4().hex[:8]}",
    }
    flags = ["--api-listen", "127.0.0.1:0", "--dns-listen", "127.0.0.1:0"]
    data = ["--data-dir", str(tmp_path / "data")]
    served = zonekeeper("serve", *flags, *data, cwd=workdir, env=env)
    line = one_error_line(served)
    assert line.startswith(
        "error: sink.neutron_floatingip.format: %(hostname)s cannot be filled in name template "
    )
    assert not (tmp_path / "data").exists()  # refused before anything was opened


def test_serve_on_a_data_dir_it_cannot_make_says_so_in_one_line(
    tmp_path: Path, workdir: Path
) -> None:
    (tmp_path / "a-file").touch()
    data = tmp_path / "a-file" / "data"
    flags = ["--api-listen", "127.0.0.1:0", "--dns-listen", "127.0.0.1:0"]
    line = one_error_line(zonekeeper("serve", *flags, "--data-dir", str(data), cwd=workdir))
    assert line == (
        f"error: cannot make the data directory {data}: Not a directory; "
        "choose another with --data-dir (or ZONEKEEPER_DATA_DIR)"
    )


@pytest.mark.parametrize("command", [["db", "upgrade"], ["pool", "update", "--file"]], ids=" ".join)
def test_a_database_url_leaves_the_data_dir_alone(
    command: list[str], tmp_path: Path, workdir: Path
) -> None:
    pools = tmp_path / "pools.yaml"
    pool = {
        "name": "default",
        "ns_records": [{"hostname": "ns1.example.net.", "priority": 1}],
        "nameservers": [{"host": "127.0.0.1", "port": 5354}],
        "targets": [{"type": "embedded"}],
    }
    pools.write_text(yaml.safe_dump([pool]))
    args = [*command, str(pools)] if command[-1] == "--file" else command
    url = f"sqlite+aiosqlite:///{tmp_path / 'elsewhere' / 'zk.sqlite'}"
    env = {"ZONEKEEPER_DATA_DIR": str(tmp_path / "unused")}
    done = zonekeeper(*args, "--database-url", url, cwd=workdir, env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "elsewhere" / "zk.sqlite").is_file()
    assert not (tmp_path / "unused").exists()
