"""Run `zonekeeper serve` (or one role: `api`, `worker`, `mdns`, `sink`) as a real subprocess
on free ports, for end-to-end tests."""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ZONEKEEPER = str(Path(sys.executable).with_name("zonekeeper"))
_API = re.compile(r"API listening on http://(\S+):(\d+)")
_DNS = re.compile(r"mini-DNS listening on (\S+):(\d+)")
_WORKER = re.compile(r"worker running")
_SINK = re.compile(r"sink consuming")
_READY = {
    "serve": (_API, _DNS, _WORKER),
    "api": (_API,),
    "worker": (_WORKER,),
    "mdns": (_DNS,),
    "sink": (_SINK,),
}


class Serve:
    """One `zonekeeper serve` (or ``command``) process; its log is collected in ``lines``.
    ``api_port`` and ``dns_port`` are 0 for a role without that listener. ``open_files``
    sets the process's open-files limit (soft and hard)."""

    def __init__(
        self,
        data_dir: Path,
        *extra_args: str,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
        command: str = "serve",
        start_timeout: float = 30.0,
        open_files: int | None = None,
    ) -> None:
        self.command = command
        args = [ZONEKEEPER, command]
        if command in ("serve", "api"):
            args += ["--api-listen", "127.0.0.1:0"]
        if command in ("serve", "mdns"):
            args += ["--dns-listen", "127.0.0.1:0"]
        self.data_dir = data_dir
        self.database_url = database_url
        args += ["--data-dir", str(data_dir), *extra_args]
        if database_url:
            args += ["--database-url", database_url]
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
            preexec_fn=None if open_files is None else _limit_open_files(open_files),
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.api_port, self.dns_port = self._wait_for_ports(start_timeout)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def _wait_for_ports(self, timeout: float = 30.0) -> tuple[int, int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = "\n".join(self.lines)
            if all(pattern.search(text) for pattern in _READY[self.command]):
                api, dns = _API.search(text), _DNS.search(text)
                return int(api.group(2)) if api else 0, int(dns.group(2)) if dns else 0
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        self.kill()
        raise RuntimeError(f"zonekeeper {self.command} did not start:\n" + "\n".join(self.lines))

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        self._close()
        return code

    def kill(self) -> None:
        """SIGKILL: no chance to clean up."""
        self.process.kill()
        self.process.wait(10)
        self._close()

    def _close(self) -> None:
        self._reader.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()


def _limit_open_files(limit: int) -> Callable[[], None]:
    def limit_in_child() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return limit_in_child
