"""TSIG (RFC 8945) for the mini-DNS: verifying a signed request, the error answer when that
fails, and signing the hand-framed messages of a transfer.

Answers built as dnspython messages are signed by dnspython itself (``make_response`` of a
verified request). Transfer messages are wire assembled by ``wire.Framer``, so :class:`Signer`
appends the TSIG RR to each one, every MAC chained to the previous one (section 5.3.1): a
multi-message AXFR is signed message by message.
"""

from __future__ import annotations

import contextlib
import struct
import time
from collections.abc import AsyncGenerator, Mapping
from typing import Final

import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig
from dns.rdtypes.ANY.TSIG import TSIG

from zonekeeper.dns.wire import HEADER, name_wire

FUDGE: Final = 300
"""Seconds of clock difference allowed (RFC 8945's recommended value)."""
_RR_FIXED = struct.Struct("!HHIH")


class Rejected(Exception):
    """A signed request failed verification: ``error`` is the TSIG error to answer with."""

    def __init__(self, error: dns.rcode.Rcode, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason


def verify(request: bytes, keys: Mapping[dns.name.Name, dns.tsig.Key]) -> dns.message.Message:
    """``request`` parsed and its TSIG verified with ``keys``; the result answers signed.
    Raises Rejected (BADKEY: unknown key or algorithm; BADSIG; BADTIME)."""
    try:
        return dns.message.from_wire(request, keyring=dict(keys))
    except (dns.message.UnknownTSIGKey, dns.tsig.BadKey):
        raise Rejected(dns.rcode.BADKEY, "unknown TSIG key") from None
    except dns.tsig.BadAlgorithm:
        raise Rejected(dns.rcode.BADKEY, "TSIG algorithm differs from the key's") from None
    except dns.tsig.BadSignature:
        raise Rejected(dns.rcode.BADSIG, "bad TSIG signature (another secret?)") from None
    except dns.tsig.BadTime:
        raise Rejected(dns.rcode.BADTIME, "TSIG time outside the fudge (clocks differ)") from None
    except dns.tsig.PeerError:
        raise Rejected(dns.rcode.BADSIG, "a request's TSIG carries an error code") from None


def rejection(query: dns.message.Message, error: dns.rcode.Rcode, payload: int) -> bytes:
    """The answer to a request whose TSIG failed: NOTAUTH with an unsigned TSIG RR carrying
    ``error`` (RFC 8945 5.2). ``query`` is the request parsed without verification."""
    assert query.keyname is not None and query.keyalgorithm is not None
    response = dns.message.make_response(query, our_payload=payload)
    response.set_rcode(dns.rcode.NOTAUTH)
    rdata = _tsig_rdata(query.keyalgorithm, query.id, error)
    response.tsig = dns.rrset.from_rdata(query.keyname, 0, rdata.replace(time_signed=_now()))
    return response.to_wire()


def reserve(query: dns.message.Message) -> int:
    """Bytes a TSIG RR adds to each answer to ``query`` (0 when it is unsigned)."""
    key = query.keyring
    if not isinstance(key, dns.tsig.Key):
        return 0
    fixed = len(name_wire(key.name)) + _RR_FIXED.size + len(name_wire(key.algorithm))
    return fixed + 16 + dns.tsig.mac_sizes[key.algorithm]


class Signer:
    """Signs the messages of one transfer in order, for a verified signed ``query``."""

    def __init__(self, query: dns.message.Message) -> None:
        assert isinstance(query.keyring, dns.tsig.Key)
        self._key = query.keyring
        self._request_mac = query.mac or b""
        self._context: dns.tsig.HMACTSig | dns.tsig.GSSTSig | None = None
        self._owner = name_wire(self._key.name)

    def sign(self, message: bytes) -> bytes:
        """``message`` with its TSIG RR appended and ARCOUNT raised by one."""
        query_id, _, _, _, _, arcount = HEADER.unpack_from(message)
        rdata = _tsig_rdata(self._key.algorithm, query_id, dns.rcode.NOERROR)
        signed, self._context = dns.tsig.sign(  # type: ignore[no-untyped-call]
            message, self._key, rdata, _now(), self._request_mac, self._context, True
        )
        rdata_wire = signed.to_wire()
        assert rdata_wire is not None
        fixed = _RR_FIXED.pack(dns.rdatatype.TSIG, dns.rdataclass.ANY, 0, len(rdata_wire))
        count = struct.pack("!H", arcount + 1)
        return b"".join((message[:10], count, message[12:], self._owner, fixed, rdata_wire))


async def signed(
    query: dns.message.Message, messages: AsyncGenerator[bytes, None]
) -> AsyncGenerator[bytes, None]:
    """``messages`` (framed answers to ``query``), each signed when ``query`` was; closing
    this closes ``messages``."""
    signer = Signer(query) if isinstance(query.keyring, dns.tsig.Key) else None
    async with contextlib.aclosing(messages):
        async for message in messages:
            yield message if signer is None else signer.sign(message)


def _tsig_rdata(algorithm: dns.name.Name, original_id: int, error: dns.rcode.Rcode) -> TSIG:
    return TSIG(  # type: ignore[no-untyped-call]
        dns.rdataclass.ANY, dns.rdatatype.TSIG, algorithm, 0, FUDGE, b"", original_id, error, b""
    )


def _now() -> int:
    return int(time.time())
