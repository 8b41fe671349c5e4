"""Stopping a server the tests started in a session of its own (``start_new_session=True``),
children included: gunicorn's worker, stestr's test workers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

STOP_TIMEOUT = 10.0


def stop_group(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM the process group led by ``process``, SIGKILL it if ``process`` is still there
    after ``timeout`` seconds; reaps ``process``. Idempotent."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
