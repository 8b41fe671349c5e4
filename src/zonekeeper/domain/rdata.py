"""Record data: Designate's per-type format rules on top of dnspython's parser.

dnspython decides what is valid DNS; the rules here add what Designate's API refuses (odd
spacing, relative names, unquoted whitespace, ...) so clients see the same 400s, and then make the
data canonical: dnspython's presentation text with lower-case absolute names, plus the wire form.
Every recordset is rendered into a DNS message before it is accepted, so nothing stored here can
fail to be served later.
"""

from __future__ import annotations

import functools
import re
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CAA
import dns.rdtypes.ANY.SSHFP
import dns.rdtypes.IN.NAPTR
import dns.rdtypes.svcbbase
import dns.rdtypes.tlsabase
import dns.rdtypes.txtbase
import dns.rrset

from zonekeeper.domain import errors, names, rdata_fast

SUPPORTED_TYPES: frozenset[str] = frozenset(
    [
        "A",
        "AAAA",
        "CNAME",
        "MX",
        "SRV",
        "TXT",
        "SPF",
        "NS",
        "PTR",
        "SSHFP",
        "NAPTR",
        "CAA",
        "CERT",
        "HTTPS",
        "SVCB",
        "TLSA",
    ]
)
"""Types the API may write. SOA is served and listed but never written through the API."""

MAX_MESSAGE_SIZE = 65535
"""A recordset must fit one DNS message over TCP (RFC 1035 4.2.2), question included."""

_SOA_TEMPLATE = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.SOA, ". . 0 0 0 0 0")
"""Every field is replaced (and so range-checked by dnspython) in :func:`soa_record`."""

MAX_TXT_STRING = rdata_fast.MAX_TXT_STRING


@dataclass(frozen=True, slots=True)
class CanonicalRecord:
    """One record in canonical form, as the API returns it and storage keeps it."""

    data: str
    """Canonical presentation text (for TLSA, the text as submitted: see ``as_submitted``)."""
    rdata: bytes
    """The rdata in uncompressed, canonical (lower-case names) wire format."""


def canonical_records(
    rtype: str, owner: dns.name.Name, texts: Sequence[str]
) -> tuple[CanonicalRecord, ...]:
    """Parse and canonicalise every record of one recordset.

    Duplicates (equal canonical rdata) collapse, keeping the first occurrence's position. SOA is
    parsed too (for imports and the service's own SOA), though it is not in SUPPORTED_TYPES.
    Raises :class:`errors.InvalidObject` with path ``("type",)`` for an unknown ``rtype``; with
    one ``("records", i)`` reason per bad text, all at once; with path ``("records",)`` when the
    rrset at ``owner`` would not fit a 65535-byte DNS message.
    """
    if rtype not in _RULES:
        raise errors.InvalidObject([_type_error(rtype)])
    rule = _RULES[rtype]
    found: dict[bytes, str] = {}
    reasons: list[errors.FieldError] = []
    for index, text in enumerate(texts):
        record = rdata_fast.canonical(rtype, text) or _canonical(rtype, owner, text)
        if record is None:
            reasons.append(_record_error(index, rtype, text, rule.explain(rtype, text)))
        else:
            found.setdefault(record[1], text if rule.as_submitted else record[0])
    if reasons:
        raise errors.InvalidObject(reasons)
    if not _surely_fits(owner, found):
        _check_servable(owner, rtype, found)
    return tuple(CanonicalRecord(data, wire) for wire, data in found.items())


def _canonical(rtype: str, owner: dns.name.Name, text: str) -> rdata_fast.Canonical | None:
    """dnspython's way to :func:`rdata_fast.canonical`'s answer, for every text."""
    rdata = parse_record(rtype, owner, text)
    return None if rdata is None else (_presentation(rdata), rdata.to_digestable())


_A_TEMPLATE = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.A, "0.0.0.0")


def parse_record(rtype: str, owner: dns.name.Name, text: str) -> dns.rdata.Rdata | None:
    """The canonical rdata for one record text of ``rtype`` (a key of SUPPORTED_TYPES or SOA),
    or None when the text breaks dnspython's or Designate's rules for that type."""
    rule = _RULES[rtype]
    if not text or text != text.strip():
        return None
    text = rule.prepare(text)
    if not _plain(text) or (rule.syntax is not None and not rule.syntax.fullmatch(text)):
        return None
    try:
        parsed = dns.rdata.from_text(dns.rdataclass.IN, rtype, text, None, False)
    except dns.exception.DNSException:
        return None
    rdata = _lower_names(parsed)
    if not _names_ok(rdata, rule):
        return None
    return rdata if rule.check(rdata, owner) else None


def soa_record(
    mname: dns.name.Name,
    rname: dns.name.Name,
    serial: int,
    refresh: int,
    retry: int,
    expire: int,
    minimum: int,
) -> CanonicalRecord:
    """The zone's SOA record in canonical form (names lower-cased).

    Raises ValueError when a number is outside 0..2**32-1 or a name is relative.
    """
    if not (mname.is_absolute() and rname.is_absolute()):
        raise ValueError("SOA names must be absolute")
    rdata = _SOA_TEMPLATE.replace(
        mname=mname.canonicalize(),
        rname=rname.canonicalize(),
        serial=serial,
        refresh=refresh,
        retry=retry,
        expire=expire,
        minimum=minimum,
    )
    return CanonicalRecord(_presentation(rdata), rdata.to_digestable())


def soa_restamped(
    old: str, serial: int, refresh: int, retry: int, expire: int, minimum: int
) -> CanonicalRecord:
    """The SOA record ``old`` (canonical presentation text, as :func:`soa_record` writes it)
    with new numbers and the same MNAME and RNAME: equal to :func:`soa_record` of the parsed
    names, without parsing them again (every change to a zone rewrites its SOA).

    Raises ValueError when a number is outside 0..2**32-1 or ``old`` is not an SOA text.
    """
    mname, rname, *_numbers = old.split(" ")
    if len(_numbers) != 5:
        raise ValueError(f"not an SOA record: {old!r}")
    numbers = (serial, refresh, retry, expire, minimum)
    try:
        wire = _soa_names_wire(mname, rname) + struct.pack("!5I", *numbers)
    except struct.error:
        raise ValueError("SOA numbers must be in 0..2**32-1") from None
    return CanonicalRecord(f"{mname} {rname} {serial} {refresh} {retry} {expire} {minimum}", wire)


@functools.lru_cache(maxsize=4096)
def _soa_names_wire(mname: str, rname: str) -> bytes:
    """The canonical wire form of an SOA's two names (cached: a zone keeps them for life)."""
    first, second = dns.name.from_text(mname), dns.name.from_text(rname)
    if not (first.is_absolute() and second.is_absolute()):
        raise ValueError("SOA names must be absolute")
    return first.canonicalize().to_digestable() + second.canonicalize().to_digestable()


# -- the rule table ---------------------------------------------------------------------------

_Check = Callable[[dns.rdata.Rdata, dns.name.Name], bool]


def _always(rdata: dns.rdata.Rdata, owner: dns.name.Name) -> bool:
    return True


def _same(text: str) -> str:
    return text


def _no_reason(rtype: str, text: str) -> str | None:
    return None


@dataclass(frozen=True, slots=True)
class _Rule:
    """Designate's extra rules for one type, applied around dnspython's parse."""

    syntax: re.Pattern[str] | None = None
    """Whole-text pattern the (prepared) presentation text must match."""
    check: _Check = _always
    """Test on the parsed rdata and the owner name."""
    root_ok: bool = False
    """Whether "." is an acceptable target name (null MX, SRV "no service", SVCB self)."""
    hostnames: bool = True
    """Whether every name in the rdata must be made of hostname labels."""
    prepare: Callable[[str], str] = _same
    """Rewrites the text before any check (CAA takes its value unquoted, as Designate does)."""
    as_submitted: bool = False
    """Whether the API returns (and storage keeps) the text as the caller wrote it rather than
    the canonical text; the wire rdata is canonical either way."""
    explain: Callable[[str, str], str | None] = _no_reason
    """Why a refused text (of the type named first) breaks the rules, when that can be said
    more precisely than "is not a <type> Record"; None when it cannot."""


_QUOTED = r'"(?:[^"\\\r\n]|\\[^\r\n])*"'
_UINT = r"(?:0|[1-9][0-9]{0,9})"
# Designate refuses any TXT text ending in a backslash ("Do NOT put '\\' into end of TXT
# record"), even an escaped one: ``abc\\`` is refused although DNS would read it as ``abc\``.
_TXT = re.compile(rf"(?![\s\S]*\\\Z)(?:(?:[^\s\"\\;()]|\\\S)+|{_QUOTED}(?:[ \t]+{_QUOTED})*)")
_HEX_PAIRS = r"(?:[0-9A-Fa-f]{2})+"
_ALPN_ALLOWED = frozenset({b"h3", b"h2", b"h2c", b"http/1.1", b"http/1.0"})
_SVCB_KEYS = frozenset(
    dns.rdtypes.svcbbase.ParamKey[key]
    for key in ["ALPN", "IPV4HINT", "IPV6HINT", "PORT", "ECH", "MANDATORY", "NO_DEFAULT_ALPN"]
)
_CAA_FLAGS = frozenset({0, 1, 128})  # Designate takes 0-1; RFC 8659 defines 128 (critical)
_CAA_PARAM = re.compile(r"[A-Za-z0-9](?:-*[A-Za-z0-9])*=[\x21-\x3a\x3c-\x7e]*")
_TLSA_DIGEST_BYTES = {1: 32, 2: 64}  # SHA-256, SHA-512 (RFC 6698 2.1.3)


def _txt_strings_ok(rdata: dns.rdata.Rdata, owner: dns.name.Name) -> bool:
    if not isinstance(rdata, dns.rdtypes.txtbase.TXTBase):
        return False
    return all(len(string) <= MAX_TXT_STRING for string in rdata.strings)


def _txt_reason(rtype: str, text: str) -> str | None:
    """What is wrong with a refused TXT/SPF text, in Designate's words where it has them."""
    if "\n" in text or "\r" in text:
        return f"A {rtype} record must be one line: write a line break as \\010."
    if not text.startswith('"'):
        if any(char.isspace() for char in text):
            return (
                f"Empty spaces are not allowed in {rtype} record, unless wrapped in double quotes."
            )
        if '"' in text:
            return "Quotation marks should be escaped with backslash."
        if len(text) > MAX_TXT_STRING:
            return (
                f"{rtype} record strings over 255 characters have to be split into multiple "
                "strings wrapped in double quotes."
            )
        return None
    if not _TXT.fullmatch(text):
        if re.search(r'(?<!\\)(?:\\\\)*\\"?$', text):
            return f"A {rtype} record must not end with a backslash: it escapes the closing quote."
        if not text.endswith('"'):
            return f"{rtype} record is missing a double quote at its end."
        return "Quotation marks should be escaped with backslash."
    if any(len(_unescaped(quoted)) > MAX_TXT_STRING for quoted in re.findall(_QUOTED, text)):
        return (
            f"Any {rtype} record string exceeding 255 characters has to be split "
            f'(at most {MAX_TXT_STRING} between its quotes): "first part" "second part".'
        )
    return None


def _unescaped(quoted: str) -> str:
    """The characters a quoted character-string stands for (each escape is one)."""
    return re.sub(r"\\(?:[0-9]{3}|.)", "x", quoted[1:-1])


def _sshfp_ok(rdata: dns.rdata.Rdata, owner: dns.name.Name) -> bool:
    # Designate's fingerprint rule is 10-40 or 64 hex digits; dnspython refuses odd lengths.
    if not isinstance(rdata, dns.rdtypes.ANY.SSHFP.SSHFP):
        return False
    length = len(rdata.fingerprint)
    return 5 <= length <= 20 or length == 32


def _tlsa_ok(rdata: dns.rdata.Rdata, owner: dns.name.Name) -> bool:
    # Designate takes any usage, selector and matching type 0-255 (RFC 6698 leaves room for new
    # ones); only the digest lengths of the two matching types it knows are checked.
    if not isinstance(rdata, dns.rdtypes.tlsabase.TLSABase):
        return False
    return len(rdata.cert) == _TLSA_DIGEST_BYTES.get(rdata.mtype, len(rdata.cert))


def _prepare_tlsa(text: str) -> str:
    """``3 1 1 (\\n ab cd\\n )`` -> ``3 1 1 abcd``: Designate drops the parentheses of the
    multi-line form and joins the hex however it is spaced or broken over lines."""
    fields = text.replace("(", " ").replace(")", " ").split()
    if len(fields) < 4 or not all(field.isdigit() for field in fields[:3]):
        return text
    return " ".join([*fields[:3], "".join(fields[3:])])


def _naptr_ok(rdata: dns.rdata.Rdata, owner: dns.name.Name) -> bool:
    if not isinstance(rdata, dns.rdtypes.IN.NAPTR.NAPTR):
        return False
    return re.fullmatch(rb"[APSUapsu]*", rdata.flags) is not None


def _svcb_ok(rdata: dns.rdata.Rdata, owner: dns.name.Name) -> bool:
    """Designate's SVCB/HTTPS key and alpn whitelists, and RFC 9461's dohpath for DoH."""
    if not isinstance(rdata, dns.rdtypes.svcbbase.SVCBBase):
        return False
    keys = set(rdata.params)
    allowed = _SVCB_KEYS
    if rdata.rdtype == dns.rdatatype.SVCB:
        allowed = allowed | {dns.rdtypes.svcbbase.ParamKey.DOHPATH}
    alpn = rdata.params.get(dns.rdtypes.svcbbase.ParamKey.ALPN)
    ids = frozenset(alpn.ids) if alpn is not None else frozenset()
    needs_dohpath = (
        rdata.rdtype == dns.rdatatype.SVCB
        and b"_dns" in (label.lower() for label in owner.labels[:2])
        and bool(ids & {b"h2", b"h3"})
    )
    has_dohpath = dns.rdtypes.svcbbase.ParamKey.DOHPATH in keys
    return keys <= allowed and ids <= _ALPN_ALLOWED and (has_dohpath or not needs_dohpath)


def _caa_ok(rdata: dns.rdata.Rdata, owner: dns.name.Name) -> bool:
    if not isinstance(rdata, dns.rdtypes.ANY.CAA.CAA):
        return False
    if rdata.flags not in _CAA_FLAGS or not rdata.value.isascii():
        return False
    value = rdata.value.decode("ascii")
    if rdata.tag in (b"issue", b"issuewild"):
        return _caa_issuer_ok(value)
    return rdata.tag == b"iodef" and _caa_iodef_ok(value)


def _caa_issuer_ok(value: str) -> bool:
    """RFC 8659 4.2: ``[issuer-domain] *(";" key=value)``; an empty domain forbids issuance."""
    domain, *params = (part.strip() for part in value.split(";"))
    if params == [""]:  # "ca.example;" and ";" carry the separator without parameters
        params = []
    domain_ok = not domain or _is_hostname(domain)
    return domain_ok and all(_CAA_PARAM.fullmatch(param) for param in params)


def _caa_iodef_ok(value: str) -> bool:
    """RFC 8659 4.4: a ``mailto:`` address, or an http(s) URL with a host."""
    if value.startswith("mailto:"):
        local, at, domain = value.removeprefix("mailto:").partition("@")
        return bool(local) and bool(at) and _is_hostname(domain)
    try:
        url = urlsplit(value)
    except ValueError:
        return False
    return url.scheme in ("http", "https") and bool(url.hostname) and not re.search(r"\s", value)


def _prepare_caa(text: str) -> str:
    """``0 issue ca.example; k=v`` -> ``0 issue "ca.example; k=v"`` with a lower-case tag.

    Designate takes everything after the tag as the value, unquoted; quoting it here keeps ';'
    and spaces from being read by dnspython as a comment or a second token.
    """
    match = re.fullmatch(r"(\d+) ([A-Za-z0-9]+) (.*)", text)
    if match is None:
        return text
    flags, tag, value = match.groups()
    if not re.fullmatch(_QUOTED, value):
        value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{flags} {tag.lower()} {value}"


_RULES: dict[str, _Rule] = {
    "A": _Rule(),
    "AAAA": _Rule(),
    "CNAME": _Rule(re.compile(r"\S+")),
    "NS": _Rule(re.compile(r"\S+")),
    "PTR": _Rule(re.compile(r"\S+")),
    "MX": _Rule(re.compile(rf"{_UINT} \S+"), root_ok=True),
    "SRV": _Rule(re.compile(rf"{_UINT} {_UINT} {_UINT} \S+"), root_ok=True),
    "TXT": _Rule(_TXT, _txt_strings_ok, explain=_txt_reason),
    "SPF": _Rule(_TXT, _txt_strings_ok, explain=_txt_reason),
    "SSHFP": _Rule(re.compile(rf"[0-4] [0-2] {_HEX_PAIRS}"), _sshfp_ok),
    # Designate 23 keeps TLSA as submitted ("3 1 0 AA BB CC DD"; tempest checks it).
    "TLSA": _Rule(
        re.compile(rf"{_UINT} {_UINT} {_UINT} {_HEX_PAIRS}"),
        _tlsa_ok,
        prepare=_prepare_tlsa,
        as_submitted=True,
    ),
    "NAPTR": _Rule(
        re.compile(rf"{_UINT} {_UINT} {_QUOTED} {_QUOTED} {_QUOTED} \S+"), _naptr_ok, root_ok=True
    ),
    "CAA": _Rule(re.compile(rf"{_UINT} [a-z0-9]+ {_QUOTED}"), _caa_ok, prepare=_prepare_caa),
    "CERT": _Rule(re.compile(r"\S+ \S+ \S+ [A-Za-z0-9+/=]+(?: [A-Za-z0-9+/=]+)*")),
    "HTTPS": _Rule(check=_svcb_ok, root_ok=True),
    "SVCB": _Rule(check=_svcb_ok, root_ok=True),
    "SOA": _Rule(hostnames=False),
}


# -- shared steps -----------------------------------------------------------------------------

_QUOTED_OR_ESCAPED = re.compile(r'\\.|"(?:[^"\\]|\\.)*"', re.DOTALL)


def _plain(text: str) -> bool:
    """One line of presentation text without the zone-file extras dnspython would honour.

    Outside quotes, ';' starts a comment and '(' ')' group lines, which would let a record text
    carry more or less than it shows; '\\#' is RFC 3597's generic syntax, which Designate lacks.
    """
    if "\n" in text or "\r" in text or text.startswith("\\#"):
        return False
    return re.search(r'[;()"]', _QUOTED_OR_ESCAPED.sub("", text)) is None


_SLOTS: dict[type, tuple[str, ...]] = {}


def _slots(cls: type) -> tuple[str, ...]:
    """Every slot of an rdata class (computed once per type: imports check many records)."""
    found = _SLOTS.get(cls)
    if found is None:
        found = _SLOTS[cls] = tuple(
            slot for klass in cls.__mro__ for slot in getattr(klass, "__slots__", ())
        )
    return found


def _name_fields(rdata: dns.rdata.Rdata) -> dict[str, dns.name.Name]:
    """The rdata's name-valued fields (MX exchange, SRV target, SOA mname/rname, ...)."""
    values = {slot: getattr(rdata, slot) for slot in _slots(rdata.__class__)}
    return {key: value for key, value in values.items() if isinstance(value, dns.name.Name)}


def _lower_names(rdata: dns.rdata.Rdata) -> dns.rdata.Rdata:
    """``rdata`` with every name lower-cased (RFC 4034 6.2 canonical form, for all types)."""
    fields = _name_fields(rdata)
    lowered = {key: name.canonicalize() for key, name in fields.items()}
    if all(lowered[key].labels == name.labels for key, name in fields.items()):
        return rdata  # already canonical: skip the copy (most records are)
    return rdata.replace(**lowered)


def _names_ok(rdata: dns.rdata.Rdata, rule: _Rule) -> bool:
    """Every name is absolute (written with its trailing dot) and, where the rule asks,
    a hostname; "." only where the rule allows it."""
    for name in _name_fields(rdata).values():
        if not name.is_absolute():
            return False
        if name == dns.name.root:
            if not rule.root_ok:
                return False
        elif rule.hostnames and not all(names.is_hostname_label(x) for x in name.labels[:-1]):
            return False
    return True


def _is_hostname(text: str) -> bool:
    """A relative hostname without trailing dot, e.g. ``ca.example.net``."""
    labels = text.split(".")
    return all(names.is_hostname_label(label.encode()) for label in labels)


def _presentation(rdata: dns.rdata.Rdata) -> str:
    # chunksize=0 keeps base64/hex in one word, so the text is one canonical string.
    return rdata.to_text(origin=None, relativize=False, chunksize=0)


def _check_servable(owner: dns.name.Name, rtype: str, wires: Iterable[bytes]) -> None:
    """Render the rrset as the answer to a query for it; refuse it if that cannot fit."""
    rdtype = dns.rdatatype.from_text(rtype)
    rdata_list = [
        dns.rdata.from_wire(dns.rdataclass.IN, rdtype, wire, 0, len(wire)) for wire in wires
    ]
    if not rdata_list:
        return
    message = dns.message.Message(id=0)
    message.flags |= dns.flags.QR | dns.flags.AA
    message.question.append(dns.rrset.RRset(owner, dns.rdataclass.IN, rdtype))
    message.answer.append(dns.rrset.from_rdata_list(owner, 0, rdata_list))
    try:
        message.to_wire(max_size=MAX_MESSAGE_SIZE)
    except dns.exception.DNSException as exc:
        reason = f"RecordSet does not fit a {MAX_MESSAGE_SIZE}-byte DNS message"
        field = errors.FieldError(("records",), reason, "maxSize", MAX_MESSAGE_SIZE)
        raise errors.InvalidObject([field]) from exc


def _surely_fits(owner: dns.name.Name, wires: Iterable[bytes]) -> bool:
    """True when even an uncompressed rendering of the rrset (``wires``: its rdatas in wire
    form) fits a message: header, question, and per record the owner, type/class/TTL/length
    and the rdata. Rendering costs more than all the rest of a record's checks, and nearly
    every recordset is far below the limit."""
    owner_bytes = sum(len(label) + 1 for label in owner.labels)  # its uncompressed wire
    size = 12 + owner_bytes + 4 + sum(owner_bytes + 10 + len(wire) for wire in wires)
    return size <= MAX_MESSAGE_SIZE


def _record_error(index: int, rtype: str, text: str, reason: str | None) -> errors.FieldError:
    """Designate's "'<data>' is not a '<TYPE>' Record", followed by the reason when known."""
    message = f"'{text}' is not a '{rtype}' Record"
    if reason is not None:
        message = f"{message}: {reason}"
    return errors.FieldError(("records", index), message, "format", rtype)


def _type_error(rtype: str) -> errors.FieldError:
    allowed = sorted(SUPPORTED_TYPES | {"SOA"})
    return errors.FieldError(("type",), f"{rtype!r} is not one of {allowed!r}", "enum", allowed)
