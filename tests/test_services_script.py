"""``scripts/services.sh`` (run by ``make test``) on a machine whose servers already run: it
finds each of them as the tests expect it, leaves it alone, and exits 0. Its start path is
not run here (it would touch the machine's servers); see the script's header."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).parent.parent / "scripts" / "services.sh"


def test_running_servers_are_found_and_left_alone() -> None:
    done = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "services: PostgreSQL already running on 127.0.0.1:5432: left alone",
        "services: MariaDB already running on 127.0.0.1:3306: left alone",
        "services: RabbitMQ already running on 127.0.0.1:5672: left alone",
    ]


def test_a_port_that_answers_but_lets_the_tests_not_in_is_reported_not_changed() -> None:
    # Something listens where PostgreSQL is asked for, and never speaks its protocol.
    with socket.create_server(("127.0.0.1", 0)) as squatter:
        port = squatter.getsockname()[1]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "ZK_PG_PORT": str(port)}
        done = subprocess.run(
            [str(SCRIPT), "postgresql"], capture_output=True, text=True, timeout=120, env=env
        )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith(
        f"services: error: 127.0.0.1:{port} answers but does not let user postgres in"
    )
