"""Doctor's checks of the link between the mini-DNS and one nameserver: may it transfer the zone
(our transfer ACL and TSIG keys), and does it take our NOTIFY (its ACL, and whether it holds
the pool's key with the same secret).

The ACL is the mini-DNS's own decision (``domain.transfers``) evaluated with this process's
settings, for the nameserver's address and the key its target is configured with. The NOTIFY is
real and signed as the worker signs it: harmless (at most an SOA check by the server), and the
one message BIND and PowerDNS both verify, so it shows a key they lack or hold with another
secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from zonekeeper.domain import transfers
from zonekeeper.worker import probe
from zonekeeper.worker.plan import Reason


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    what: str


def transfer_access(
    policy: transfers.TransferPolicy, host: str, key: transfers.TsigKey | None
) -> Check:
    """Whether the mini-DNS lets the nameserver at ``host`` transfer, signing with ``key``
    (None: unsigned)."""
    refusal = policy.refusal(host, key.dns_name if key is not None else None)
    if refusal is None:
        how = f"signed with TSIG key {key.name}" if key else "unsigned, from its address"
        return Check(True, f"may transfer from the mini-DNS ({how})")
    # The key, when there is one, is a target's and so the pool's: only two ways to fail.
    if policy.keys:
        hint = "give its target tsigkey_name and tsigkey_secret"
    else:
        hint = "add its address to dns.allow_transfer, or give the pool a TSIG key"
    return Check(False, f"the mini-DNS refuses its transfers: {refusal} ({hint})")


async def notify_accepted(
    zone: str, host: str, port: int, key: transfers.TsigKey | None, timeout: float
) -> Check | None:
    """What the nameserver makes of our NOTIFY; None when it does not answer (the SOA check
    already names a server that is down)."""
    failure = await probe.notify(zone, host, port, timeout, key)
    signed = f" signed with TSIG key {key.name}" if key is not None else ""
    if failure is None:
        return Check(True, f"acknowledges our NOTIFY{signed}")
    if failure in (Reason.TIMEOUT, Reason.NETWORK_ERROR):
        return None
    return Check(False, _notify_problem(failure, key.name if key is not None else ""))


def _notify_problem(failure: Reason, key: str) -> str:
    cannot = "it cannot transfer the zone from the mini-DNS"
    if failure == Reason.TSIG_BADKEY:
        return (
            f"does not know TSIG key {key} (key mismatch: define it with the pool's secret); "
            + cannot
        )
    if failure == Reason.TSIG_BADSIG:
        return f"holds TSIG key {key} with another secret than the pool's (key mismatch); {cannot}"
    if failure == Reason.TSIG_REJECTED:
        return (
            f"rejects our NOTIFY signed with TSIG key {key}: it lacks the key or holds another "
            f"secret (key mismatch), or the clocks differ; {cannot}"
        )
    if failure == Reason.NOT_AUTHORITATIVE:
        return "answers our NOTIFY NOTAUTH: it is not (yet) a secondary for the zone"
    return (
        "refuses our NOTIFY from this host: it takes NOTIFY only from the zone's masters and "
        "its allow-notify (BIND) / allow-notify-from (PowerDNS); allow this host there, or "
        "changes reach it only at the zone's SOA refresh"
    )
