"""Readiness: named checks, each an async function returning None (fine) or the problem.

``/healthz`` only says the process answers; ``/readyz`` runs :meth:`Health.ready`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Check = Callable[[], Awaitable[str | None]]


class Health:
    """The readiness checks of one process (the roles it runs add theirs)."""

    def __init__(self, timeout: float = 2.0) -> None:
        self.timeout = timeout
        self.checks: dict[str, Check] = {}

    def add(self, name: str, check: Check) -> None:
        self.checks[name] = check

    async def ready(self) -> dict[str, str]:
        """Every check's verdict ("ok" or the problem), all run at once; a check that raises
        or outlasts ``timeout`` fails with that as its problem."""
        names = list(self.checks)
        verdicts = await asyncio.gather(*(self._run(self.checks[n]) for n in names))
        return dict(zip(names, verdicts, strict=True))

    async def _run(self, check: Check) -> str:
        try:
            async with asyncio.timeout(self.timeout):
                problem = await check()
        except TimeoutError:
            return f"no answer within {self.timeout:g} s"
        except Exception as error:  # the check's failure is the verdict
            return f"{type(error).__name__}: {error}".strip()
        return problem or "ok"
