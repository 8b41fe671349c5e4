"""The worker's decision, as a pure function of desired and observed state (no I/O)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from zonekeeper.domain.serial import serial_ge


class Reason(StrEnum):
    """Why a nameserver does not (yet) count as serving the desired state."""

    BEHIND = "behind"
    """Answers authoritatively, but with an older serial."""
    REFUSED = "refused"
    TIMEOUT = "timeout"
    NOT_AUTHORITATIVE = "not_authoritative"
    """Answers, but without the AA flag or without an SOA for the zone."""
    STILL_SERVED = "still_served"
    """The zone is being deleted and the nameserver still serves it."""
    NETWORK_ERROR = "network_error"
    TRANSFER_FAILED = "transfer_failed"
    """Took our NOTIFY, yet still serves an older serial after all of an attempt's polls: it
    could not fetch the zone from the mini-DNS (ACL, key, masters) or gave up trying."""
    TSIG_BADKEY = "tsig_badkey"
    """The server does not know our TSIG key (by name or algorithm)."""
    TSIG_BADSIG = "tsig_badsig"
    """The server knows the key's name, with another secret."""
    TSIG_REJECTED = "tsig_rejected"
    """The server rejected our signature some other way (clock skew, or, as PowerDNS does,
    an unsigned answer to a message it could not verify)."""


@dataclass(frozen=True, slots=True)
class Observation:
    """What one nameserver answered to an SOA query for the zone."""

    host: str
    port: int
    serial: int | None
    """The served serial, or None when the nameserver does not serve the zone."""
    failure: Reason | None = None
    """Set when the query itself failed (timeout, refused, …)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    done: bool
    """Enough nameservers are in the desired state."""
    lagging: dict[tuple[str, int], Reason]
    """Nameservers not in the desired state, and why."""


def judge(
    serial: int, deleting: bool, observations: Sequence[Observation], threshold: int
) -> Verdict:
    """Whether ``threshold`` percent of the nameservers serve ``serial`` (or, when deleting,
    no longer serve the zone). With no nameservers at all nothing is proven: never done."""
    lagging = {
        (o.host, o.port): reason for o in observations if (reason := _lag(o, serial, deleting))
    }
    good = len(observations) - len(lagging)
    needed = math.ceil(len(observations) * threshold / 100)
    return Verdict(done=bool(observations) and good >= max(needed, 1), lagging=lagging)


def _lag(observation: Observation, serial: int, deleting: bool) -> Reason | None:
    if deleting:
        # A refusal or an answer without the zone is evidence that a delete has landed;
        # silence (timeout, unreachable) is not.
        if observation.serial is None and observation.failure in (None, Reason.REFUSED):
            return None
        return observation.failure or Reason.STILL_SERVED
    if observation.failure is not None:
        return observation.failure
    if observation.serial is None:
        return Reason.NOT_AUTHORITATIVE
    return None if serial_ge(observation.serial, serial) else Reason.BEHIND


def explain(verdict: Verdict, notified: Mapping[tuple[str, int], Reason | None]) -> Verdict:
    """The verdict at the end of an attempt, with "behind" made precise from how each
    nameserver took our NOTIFY: the NOTIFY's failure when it failed (refused, a TSIG key it
    lacks), else ``TRANSFER_FAILED``. Nameservers not notified (deletes) keep their reason."""
    lagging = {
        address: (notified[address] or Reason.TRANSFER_FAILED)
        if reason is Reason.BEHIND and address in notified
        else reason
        for address, reason in verdict.lagging.items()
    }
    return Verdict(verdict.done, lagging)


def backoff(attempt: int, first: float, ceiling: float) -> float:
    """Seconds before retry ``attempt`` (1-based): ``first`` doubled per attempt, capped."""
    return min(ceiling, first * 2.0 ** max(attempt - 1, 0))


def describe(lagging: dict[tuple[str, int], Reason]) -> str:
    """A readable reason for a zone that is not ACTIVE yet, naming each nameserver."""
    return "; ".join(
        f"{host}:{port} {reason.value}" for (host, port), reason in sorted(lagging.items())
    )
