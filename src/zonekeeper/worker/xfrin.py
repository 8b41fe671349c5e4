"""Zone transfers in, from a SECONDARY zone's masters: ask the master for its SOA, then IXFR
(when we hold a copy; the master may answer it with the whole zone) or AXFR, TSIG-signed when
the zone has a key. Only the I/O and its failures live here; what a transfer changes in our
copy is decided in ``service.secondary``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import dns.asyncquery
import dns.exception
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.xfr
import dns.zone

from zonekeeper.domain import masters, transfers
from zonekeeper.domain.serial import serial_gt
from zonekeeper.worker import probe
from zonekeeper.worker.plan import Reason

RR = tuple[str, str, int, str]
"""(owner, type, TTL, presentation data) of one record."""
NO_ADDRESS = "no_address"
"""The master is a host name: transfers are made from addresses only (nothing is resolved)."""
BAD_ZONE = "bad_zone"
"""The master's answer was no usable zone (no SOA, records out of the zone, a broken IXFR)."""


@dataclass(frozen=True, slots=True)
class Failed:
    """Why one master gave us nothing: a machine-readable ``reason`` and a sentence."""

    master: masters.Master
    reason: str
    message: str

    def describe(self) -> str:
        return f"{self.master.to_text()} {self.reason}: {self.message}"


@dataclass(frozen=True, slots=True)
class UpToDate:
    """The master serves the serial we hold (or an older one)."""

    master: masters.Master
    serial: int


@dataclass(frozen=True, slots=True)
class Transferred:
    """The master's whole zone, as it is after the transfer."""

    master: masters.Master
    serial: int
    records: list[RR]
    incremental: bool
    """True when the master answered our IXFR with differences only."""


Outcome = Failed | UpToDate | Transferred


async def refresh(
    zone: str,
    master: masters.Master,
    held: Iterable[RR] | None,
    serial: int | None,
    timeout: float,
    key: transfers.TsigKey | None = None,
) -> Outcome:
    """One refresh of ``zone`` from ``master`` (RFC 1034 4.3.5): its SOA serial, and when it
    is ahead of ``serial`` (or we hold nothing: ``held`` None) the zone. ``held`` is our copy,
    which an IXFR is applied to. Never raises."""
    address = master.address
    if address is None:
        return Failed(master, NO_ADDRESS, "masters are transferred from by IP address only")
    observed = await probe.soa_serial(zone, address, master.port, timeout)
    if observed.serial is None:
        reason = observed.failure or Reason.NOT_AUTHORITATIVE
        return Failed(master, str(reason), _soa_failure(reason))
    if held is not None and serial is not None and not serial_gt(observed.serial, serial):
        return UpToDate(master, observed.serial)
    outcome = await transfer(zone, master, address, held, timeout, key)
    if held is not None and isinstance(outcome, Failed) and outcome.reason == BAD_ZONE:
        # Differences that do not apply to our copy (it lacks records of types not served
        # here, say): the whole zone instead.
        outcome = await transfer(zone, master, address, None, timeout, key)
    return outcome


async def transfer(
    zone: str,
    master: masters.Master,
    address: str,
    held: Iterable[RR] | None,
    timeout: float,
    key: transfers.TsigKey | None,
) -> Outcome:
    """IXFR (``held`` given) or AXFR of ``zone`` from ``address``. Never raises."""
    copy = _zone_of(zone, held or ())
    keyring = None if key is None else key.to_dnspython()
    serial = 0 if held is not None else None  # 0: IXFR from the copy's SOA; None: AXFR
    try:
        query, _ = dns.xfr.make_query(copy, serial=serial, keyring=keyring)
        await dns.asyncquery.inbound_xfr(
            address, copy, query, port=master.port, timeout=timeout, lifetime=timeout * 10
        )
    except dns.exception.Timeout:
        return Failed(master, Reason.TIMEOUT, "the transfer timed out")
    except dns.xfr.TransferError as error:
        return Failed(master, _rcode_reason(error), f"the transfer was refused ({error})")
    except dns.tsig.PeerBadKey:
        return Failed(master, Reason.TSIG_BADKEY, "the master does not know our TSIG key")
    except dns.tsig.PeerBadSignature:
        return Failed(master, Reason.TSIG_BADSIG, "the master has another secret for our key")
    except (dns.tsig.PeerError, dns.tsig.BadSignature, dns.tsig.BadTime) as error:
        return Failed(master, Reason.TSIG_REJECTED, f"TSIG failed: {error}")
    except (dns.exception.DNSException, ValueError, KeyError) as error:
        return Failed(master, BAD_ZONE, f"the master sent no usable zone: {error}")
    except OSError as error:
        return Failed(master, Reason.NETWORK_ERROR, error.strerror or str(error))
    soa = copy.get_soa()
    return Transferred(master, int(soa.serial), _records_of(copy), held is not None)


def _zone_of(name: str, held: Iterable[RR]) -> dns.zone.Zone:
    copy = dns.zone.Zone(dns.name.from_text(name), relativize=False)
    with copy.writer() as txn:
        for owner, rtype, ttl, data in held:
            rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), data)
            txn.add(dns.name.from_text(owner), ttl, rdata)
    return copy


def _records_of(copy: dns.zone.Zone) -> list[RR]:
    return [
        (
            owner.to_text().lower(),
            dns.rdatatype.to_text(rdataset.rdtype),
            rdataset.ttl,
            rd.to_text(),
        )
        for owner, rdataset in copy.iterate_rdatasets()
        for rd in rdataset
    ]


def _rcode_reason(error: dns.xfr.TransferError) -> str:
    return str(Reason.NOT_AUTHORITATIVE if error.rcode == dns.rcode.NOTAUTH else Reason.REFUSED)


def _soa_failure(reason: str) -> str:
    return {
        Reason.TIMEOUT: "no answer to our SOA query",
        Reason.REFUSED: "the master refused our SOA query",
        Reason.NETWORK_ERROR: "the master could not be reached",
    }.get(Reason(reason), "the master is not authoritative for the zone")
