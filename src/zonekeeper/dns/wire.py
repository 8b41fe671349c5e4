"""Hand-assembled wire format for zone transfers: owner names, RRs and message framing.

Transfers skip dnspython's per-record objects: an RR is the owner name's wire form, a packed
type/class/TTL, the rdata length and the stored rdata bytes. Names are not compressed.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

import dns.flags
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype

from zonekeeper.storage import serving

HEADER = struct.Struct("!HHHHHH")
MAX_MESSAGE = 65535
_TYPE_CLASS_TTL = struct.Struct("!HHI")
_RDLENGTH = struct.Struct("!H")
_QUESTION_FIXED = struct.Struct("!HH")


def name_wire(name: dns.name.Name) -> bytes:
    """The uncompressed wire form of the absolute ``name``, case kept."""
    wire = name.to_wire()
    assert wire is not None  # dnspython returns the bytes when given no file
    return wire


def stored_name_wire(name: str) -> bytes:
    """The wire form of a stored name (absolute text, trailing dot). Plain ASCII names, nearly
    all of them, are split directly; escaped or non-ASCII ones go through dnspython."""
    if "\\" in name or not name.isascii() or name == ".":
        return name_wire(dns.name.from_text(name))
    return b"".join(bytes((len(label),)) + label for label in name.encode().split(b"."))


def opt_rr(payload: int) -> bytes:
    """An EDNS0 OPT RR advertising ``payload`` bytes, no options."""
    return b"\x00" + _TYPE_CLASS_TTL.pack(dns.rdatatype.OPT, payload, 0) + _RDLENGTH.pack(0)


class Encoder:
    """Turns stored rows of the zone ``origin`` into RR wire (class IN). Rows arrive grouped
    by owner, so the last owner's wire is kept; names one label below the apex, the common
    case, are built from the apex wire without parsing."""

    def __init__(self, origin: str) -> None:
        self._suffix = "." + origin
        self._origin_wire = stored_name_wire(origin)
        self._name = ""
        self._name_wire = b""
        self._fixed: dict[tuple[str, int], bytes] = {}

    def encode(self, row: serving.RecordRow) -> bytes:
        """One row as RR wire."""
        return self.encode_all((row,))[0]

    def encode_all(self, rows: Iterable[serving.RecordRow]) -> list[bytes]:
        """Each row as RR wire, in order. The transfer hot loop: kept free of per-row calls."""
        wires = []
        fixed_of = self._fixed
        for name, rtype, ttl, rdata in rows:
            if name != self._name:
                self._name, self._name_wire = name, self._owner(name)
            fixed = fixed_of.get((rtype, ttl)) or self._new_fixed(rtype, ttl)
            wires.append(b"".join((self._name_wire, fixed, _RDLENGTH.pack(len(rdata)), rdata)))
        return wires

    def _owner(self, name: str) -> bytes:
        if name.endswith(self._suffix):
            label = name[: -len(self._suffix)]
            if label and label.isascii() and "." not in label and "\\" not in label:
                return bytes((len(label),)) + label.encode() + self._origin_wire
        return stored_name_wire(name)

    def _new_fixed(self, rtype: str, ttl: int) -> bytes:
        rdtype = dns.rdatatype.from_text(rtype)
        fixed = self._fixed[(rtype, ttl)] = _TYPE_CLASS_TTL.pack(rdtype, dns.rdataclass.IN, ttl)
        return fixed


class Framer:
    """Packs RR wire into response messages of about ``limit`` bytes for ``query``: same id,
    QR and AA set, the question in the first message only, an OPT RR (advertising
    ``payload``) when the query had one. An RR larger than ``limit`` gets a message alone."""

    def __init__(self, query: dns.message.Message, limit: int, payload: int) -> None:
        self._id = query.id
        self._flags = dns.flags.QR | dns.flags.AA | (query.flags & dns.flags.RD)
        question = query.question[0]
        self._question = name_wire(question.name) + _QUESTION_FIXED.pack(
            question.rdtype, question.rdclass
        )
        self._opt = opt_rr(payload) if query.edns >= 0 else b""
        self._limit = min(limit, MAX_MESSAGE)
        self._parts: list[bytes] = []
        self.sent = 0
        self._size = self._overhead()

    def add(self, rrs: Iterable[bytes]) -> list[bytes]:
        """Queue ``rrs``; returns the messages they filled (often none)."""
        finished = []
        for rr in rrs:
            if self._parts and self._size + len(rr) > self._limit:
                finished.append(self.flush())
            self._parts.append(rr)
            self._size += len(rr)
        return finished

    def flush(self) -> bytes:
        """The current message (possibly with no RRs), and start the next one."""
        question = self._question if self.sent == 0 else b""
        counts = (1 if question else 0, len(self._parts), 0, 1 if self._opt else 0)
        header = HEADER.pack(self._id, self._flags, *counts)
        message = b"".join((header, question, *self._parts, self._opt))
        self.sent += 1
        self._parts = []
        self._size = self._overhead()
        return message

    def _overhead(self) -> int:
        question = len(self._question) if self.sent == 0 else 0
        return HEADER.size + question + len(self._opt)
