"""A real Keystone (keystone 30 from PyPI) on a free loopback port, for tests and for
``make conformance``.

Keystone lives in a venv of its own, ``.venv-conformance/keystone`` (``make keystone-deps``
installs tests/conformance/keystone-requirements.txt there; ``ZONEKEEPER_KEYSTONE_VENV`` names
another). This module imports nothing of Keystone's: it runs ``keystone-manage`` and gunicorn
from that venv and talks to the server over HTTP, so it runs in Zonekeeper's own venv.

Set-up (see docs/conformance.md for why each choice): SQLite in the server's directory, fernet
tokens, an in-memory cache (a token validation costs ~8 ms instead of ~0.9 s), bcrypt at cost 4
(tempest creates ~300 users per run), ONE sync gunicorn worker (SQLite answers "database is
locked" to concurrent token issues), bootstrapped with an ``admin`` user and project, region
``RegionOne`` and the identity endpoints.

Three ways to use it:
- pytest: ``from tests.keystone_server import keystone  # noqa: F401`` in a conftest gives the
  session-scoped ``keystone`` fixture (a missing venv FAILS the test, never skips it);
- code: ``with running(directory) as server: ...``;
- a shell: ``.venv/bin/python -m tests.keystone_server`` serves until Ctrl-C and prints the
  ``OS_*`` variables of its admin.
"""

from __future__ import annotations

import argparse
import contextlib
import grp
import os
import pwd
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.processes import stop_group

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("ZONEKEEPER_KEYSTONE_VENV", ROOT / ".venv-conformance" / "keystone"))
SHIM_DIR = Path(__file__).resolve().parent / "keystone_shim"
"""Where ``keystone_wsgi.py`` (the module gunicorn serves) lives: a directory of its own, as it
goes on Keystone's ``sys.path`` (tests/ itself would shadow dnspython with tests/dns)."""
HOST = "127.0.0.1"
REGION = "RegionOne"
DOMAIN = "default"
START_TIMEOUT = 60.0
"""Seconds for gunicorn to bind and Keystone to answer (~3 s here; a loaded machine is slower)."""
_LISTENING = re.compile(r"Listening at: http://[\d.]+:(\d+)")


@dataclass
class Keystone:
    """A running Keystone: ``url`` is its root, ``auth_url`` its ``/v3``; ``admin`` /
    ``admin_password`` is the cloud admin (project ``admin``, role ``admin``)."""

    directory: Path
    process: subprocess.Popen[bytes]
    port: int
    admin_password: str

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def auth_url(self) -> str:
        return f"{self.url}/v3"

    @property
    def log_file(self) -> Path:
        return self.directory / "keystone.log"

    def token(
        self, user: str = "admin", password: str | None = None, project: str = "admin"
    ) -> str:
        """A project-scoped token of ``user`` (Default domain); raises httpx.HTTPStatusError
        when Keystone refuses the credentials."""
        password = self.admin_password if password is None else password
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": user, "domain": {"id": DOMAIN}, "password": password}
                    },
                },
                "scope": {"project": {"name": project, "domain": {"id": DOMAIN}}},
            }
        }
        response = httpx.post(f"{self.auth_url}/auth/tokens", json=body, timeout=30)
        response.raise_for_status()
        return response.headers["X-Subject-Token"]

    def admin(self) -> Admin:
        """Keystone's admin API with a fresh admin token."""
        return Admin(self.auth_url, self.token())

    def stop(self) -> None:
        """SIGTERM to gunicorn and its worker, SIGKILL if they linger; idempotent."""
        stop_group(self.process)


class Admin:
    """The few admin calls the tests need, each idempotent (find, else create). A context
    manager: closed at the end of the ``with`` block."""

    def __init__(self, auth_url: str, token: str) -> None:
        self._http = httpx.Client(base_url=auth_url, headers={"X-Auth-Token": token}, timeout=30)

    def _find(self, kind: str, **filters: str) -> dict[str, Any] | None:
        response = self._http.get(f"/{kind}", params=filters)
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()[kind]
        return found[0] if found else None

    def _create(self, kind: str, singular: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self._http.post(f"/{kind}", json={singular: body})
        response.raise_for_status()
        created: dict[str, Any] = response.json()[singular]
        return created

    def project(self, name: str) -> str:
        """The id of project ``name`` in the Default domain, created if missing."""
        found = self._find("projects", name=name, domain_id=DOMAIN)
        project = found or self._create("projects", "project", {"name": name, "domain_id": DOMAIN})
        return str(project["id"])

    def role(self, name: str) -> str:
        """The id of the global role ``name``, created if missing."""
        found = self._find("roles", name=name)
        return str((found or self._create("roles", "role", {"name": name}))["id"])

    def user(self, name: str, password: str, project: str, roles: Sequence[str]) -> str:
        """User ``name`` (Default domain) with ``roles`` on ``project``; its id. An existing
        user gets its password reset, so the caller's password holds."""
        project_id = self.project(project)
        body = {"name": name, "password": password, "domain_id": DOMAIN}
        found = self._find("users", name=name, domain_id=DOMAIN)
        if found is None:
            user_id = str(
                self._create("users", "user", body | {"default_project_id": project_id})["id"]
            )
        else:
            user_id = str(found["id"])
            self._http.patch(f"/users/{user_id}", json={"user": body}).raise_for_status()
        for role in roles:
            path = f"/projects/{project_id}/users/{user_id}/roles/{self.role(role)}"
            self._http.put(path).raise_for_status()
        return user_id

    def service(self, kind: str, name: str, url: str) -> str:
        """Register service ``name`` of type ``kind`` with public, internal and admin endpoints
        ``url`` in RegionOne (replacing the endpoints it had); its id."""
        found = self._find("services", type=kind)
        service = found or self._create("services", "service", {"type": kind, "name": name})
        service_id = str(service["id"])
        old = self._http.get("/endpoints", params={"service_id": service_id})
        old.raise_for_status()
        for endpoint in old.json()["endpoints"]:
            self._http.delete(f"/endpoints/{endpoint['id']}").raise_for_status()
        for interface in ("public", "internal", "admin"):
            endpoint = {"service_id": service_id, "interface": interface, "url": url}
            self._create("endpoints", "endpoint", endpoint | {"region_id": REGION})
        return service_id

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Admin:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def start(directory: Path) -> Keystone:
    """Configure, bootstrap and serve a Keystone in ``directory`` (created); raises
    RuntimeError when the venv is missing or the server does not come up."""
    if not (VENV / "bin" / "gunicorn").exists():
        raise RuntimeError(f"no Keystone venv at {VENV}: run `make keystone-deps`")
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "keystone.conf"
    conf.write_text(_keystone_conf(directory))
    user, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
    owner = ["--keystone-user", user, "--keystone-group", group]
    # Each keystone-manage spends seconds importing Keystone; these three touch different
    # things (database, token keys, credential keys), so they run side by side.
    _manage(conf, ["db_sync"], ["fernet_setup", *owner], ["credential_setup", *owner])
    process = _serve(conf, directory / "keystone.log")
    try:
        port = _wait_for_port(process, directory / "keystone.log")
        password = secrets.token_urlsafe(16)
        # Bootstrapped once the port is known (the catalog names it); the worker has served
        # nothing yet, so its cache holds nothing stale.
        url = f"http://{HOST}:{port}/v3"
        _manage(
            conf,
            [
                "bootstrap",
                "--bootstrap-password", password,
                "--bootstrap-region-id", REGION,
                "--bootstrap-admin-url", url,
                "--bootstrap-internal-url", url,
                "--bootstrap-public-url", url,
            ],
        )  # fmt: skip
        server = Keystone(directory, process, port, password)
        _wait_until_serving(server)
    except BaseException:
        stop_group(process)
        raise
    return server


@contextlib.contextmanager
def running(directory: Path) -> Iterator[Keystone]:
    """A Keystone for the ``with`` block, stopped afterwards whatever happens."""
    server = start(directory)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def keystone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keystone]:
    """One Keystone for the test session: starting one costs ~15 s on an idle machine."""
    try:
        server = start(tmp_path_factory.mktemp("keystone"))
    except RuntimeError as error:
        pytest.fail(str(error))
    try:
        yield server
    finally:
        server.stop()


def _keystone_conf(directory: Path) -> str:
    return f"""[DEFAULT]
use_stderr = true

[database]
connection = sqlite:///{directory}/keystone.sqlite

[token]
provider = fernet
expiration = 3600

[fernet_tokens]
key_repository = {directory}/fernet-keys

[fernet_receipts]
key_repository = {directory}/fernet-keys

[credential]
key_repository = {directory}/credential-keys

[cache]
enabled = true
backend = dogpile.cache.memory

[identity]
password_hash_rounds = 4
"""


def _manage(conf: Path, *commands: list[str]) -> None:
    """Run the ``keystone-manage`` ``commands`` at the same time; raises RuntimeError with the
    output of the first that failed."""
    manage = [str(VENV / "bin" / "keystone-manage"), "--config-file", str(conf)]
    processes = [
        subprocess.Popen(
            [*manage, *command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for command in commands
    ]
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    for command, process, output in zip(commands, processes, outputs, strict=True):
        if process.returncode != 0:
            raise RuntimeError(f"keystone-manage {command[0]} failed:\n{output}")


def _serve(conf: Path, log_file: Path) -> subprocess.Popen[bytes]:
    command = [
        str(VENV / "bin" / "gunicorn"),
        "--bind", f"{HOST}:0",
        "--workers", "1",
        "--worker-class", "sync",
        "--timeout", "120",
        "--graceful-timeout", "5",
        "--pythonpath", str(SHIM_DIR),
        "keystone_wsgi:application",
    ]  # fmt: skip
    env = {**os.environ, "OS_KEYSTONE_CONFIG_FILES": str(conf)}
    with log_file.open("ab") as log:
        # A session of its own, so that stopping it can reach a worker its master left behind.
        return subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def _wait_for_port(process: subprocess.Popen[bytes], log_file: Path) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = _LISTENING.search(log_file.read_text(errors="replace"))
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("gunicorn did not listen:\n" + log_file.read_text(errors="replace"))


def _wait_until_serving(server: Keystone) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(server.auth_url, timeout=10).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("Keystone did not answer:\n" + server.log_file.read_text(errors="replace"))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a throw-away Keystone on loopback.")
    parser.add_argument("--directory", type=Path, help="state directory (default: a temp dir)")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        directory = args.directory or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        server = stack.enter_context(running(directory))
        print(f"export OS_AUTH_URL={server.auth_url} OS_IDENTITY_API_VERSION=3")
        print(f"export OS_USERNAME=admin OS_PASSWORD={server.admin_password}")
        print("export OS_PROJECT_NAME=admin OS_USER_DOMAIN_ID=default OS_PROJECT_DOMAIN_ID=default")
        print("serving; Ctrl-C stops it", file=sys.stderr, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.signal(signal.SIGTERM, signal.default_int_handler)
            signal.pause()


if __name__ == "__main__":
    main()
