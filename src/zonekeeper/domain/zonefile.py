"""Zone files (RFC 1035 master format) in and out, as Designate's import and export use them.

:func:`parse` reads a file into recordsets of *text* records, each remembering the lines it
came from, and collects every syntax problem with its line number instead of stopping at the
first. It does not judge record data: the service runs the API's own validation on what it
returns, so an import accepts exactly what the API accepts. Relative names are made absolute
here (owners always, record data for the types whose data holds names), because the API only
accepts absolute ones.

:func:`export_lines` renders stored recordsets the way Designate's export template does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.ttl
from dns.rdtypes.ANY.SOA import SOA

ORIGIN_REQUIRED = (
    "The $ORIGIN statement is required and must be the first statement in the zonefile."
)
SOA_REQUIRED = "An SOA record is required."

_NAME_POSITION = {"CNAME": 0, "NS": 0, "PTR": 0, "MX": 1, "SVCB": 1, "HTTPS": 1, "SRV": 3}
_NAME_POSITION["NAPTR"] = -1
"""Where the domain name is among the fields of the types that hold one (it may be written
relative to $ORIGIN); NAPTR's replacement is its last field."""

Progress = Callable[[int, int], None]
"""Called with (lines read, lines in all) while a large file is parsed."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason the file is refused, at a 1-based line number."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(slots=True)
class TextRecordSet:
    """The records of one owner and type, as text, in file order."""

    name: str
    type: str
    ttl: int | None
    """None: the record inherits the zone TTL (no TTL was written, or $TTL equals it)."""
    records: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    """The line of each entry of ``records``."""


@dataclass(frozen=True, slots=True)
class Soa:
    ttl: int
    rname: dns.name.Name
    refresh: int
    retry: int
    expire: int
    minimum: int


@dataclass(slots=True)
class ParsedZone:
    origin: dns.name.Name | None = None
    soa: Soa | None = None
    recordsets: dict[tuple[str, str], TextRecordSet] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Entry:
    line: int
    owner: str | None
    """None: the line began with blank space (the previous owner)."""
    fields: list[str]


def parse(text: str, progress: Progress | None = None) -> ParsedZone:
    """Parse ``text``; problems are collected in ``ParsedZone.problems``, never raised.

    A missing or late ``$ORIGIN`` or a missing SOA is a problem at line 1 with Designate's
    message (:data:`ORIGIN_REQUIRED`, :data:`SOA_REQUIRED`).
    """
    zone = ParsedZone()
    entries = list(_entries(text, zone.problems))
    default_ttl: int | None = None
    owner: str | None = None
    pending: list[tuple[_Entry, str, int | None, str, str]] = []
    for index, entry in enumerate(entries):
        if progress is not None and index % 5000 == 0:
            progress(entry.line, entries[-1].line)
        directive = entry.owner if entry.owner and entry.owner.startswith("$") else None
        if directive is not None:
            default_ttl = _directive(zone, entry, directive.upper(), index, default_ttl)
            continue
        if zone.origin is None:
            zone.problems.insert(0, Problem(entry.line, ORIGIN_REQUIRED))
            return zone
        owner = _owner(entry.owner, owner, zone.origin)
        parsed = _ttl_type_data(entry, zone.problems)
        if parsed is not None:
            pending.append((entry, owner, *parsed))
    if zone.origin is None:
        zone.problems.insert(0, Problem(1, ORIGIN_REQUIRED))
        return zone
    _take_soa(zone, pending, default_ttl)
    for entry, owner_text, ttl, rtype, data in pending:
        if rtype != "SOA":
            _add(zone, entry.line, owner_text, rtype, _ttl(ttl, default_ttl, zone), data)
    if progress is not None and entries:
        progress(entries[-1].line, entries[-1].line)
    zone.problems.sort(key=lambda problem: problem.line)
    return zone


def _directive(
    zone: ParsedZone, entry: _Entry, directive: str, index: int, default_ttl: int | None
) -> int | None:
    """Apply ``$ORIGIN`` or ``$TTL``; returns the default TTL from here on."""
    if directive == "$ORIGIN" and index == 0 and len(entry.fields) == 1:
        origin = _name(entry.fields[0], dns.name.root)
        if origin is None or not entry.fields[0].endswith("."):
            zone.problems.append(Problem(entry.line, f"bad $ORIGIN {entry.fields[0]!r}"))
        else:
            # Lower-case, as every owner is: names compare case-insensitively (RFC 4343).
            zone.origin = origin.canonicalize()
    elif directive == "$ORIGIN" and index != 0:
        zone.problems.append(Problem(entry.line, ORIGIN_REQUIRED))
    elif directive == "$TTL" and len(entry.fields) == 1:
        ttl = _parse_ttl(entry.fields[0])
        if ttl is None:
            zone.problems.append(Problem(entry.line, f"bad TTL {entry.fields[0]!r}"))
        return ttl if ttl is not None else default_ttl
    else:
        zone.problems.append(Problem(entry.line, f"{directive} is not supported here"))
    return default_ttl


def _owner(written: str | None, previous: str | None, origin: dns.name.Name) -> str:
    """The absolute owner text of a line (``@`` is the origin; blank repeats the last one)."""
    origin_text = _text(origin)
    if written is None:
        return previous or origin_text
    if written == "@":
        return origin_text
    if written.endswith(".") and not written.endswith("\\."):
        return written.lower()
    return f"{written}.{origin_text}".lower()


def _ttl_type_data(entry: _Entry, problems: list[Problem]) -> tuple[int | None, str, str] | None:
    """(explicit TTL or None, TYPE, data text) of a record line: ``[ttl] [class] type data``
    with TTL and class in either order. Notes a problem and returns None when malformed."""
    fields = list(entry.fields)
    ttl = None
    for _ in range(2):
        if fields and fields[0].upper() == "IN":
            fields.pop(0)
        elif fields and fields[0][:1].isdigit() and ttl is None:
            ttl = _parse_ttl(fields[0])
            if ttl is None:
                problems.append(Problem(entry.line, f"bad TTL {fields[0]!r}"))
                return None
            fields.pop(0)
    if not fields:
        problems.append(Problem(entry.line, "no record type"))
        return None
    rtype = fields[0].upper()
    if rtype in {"CH", "HS", "CS", "ANY"}:
        problems.append(Problem(entry.line, f"class {rtype} is not supported (IN only)"))
        return None
    if not _is_type(rtype):
        problems.append(Problem(entry.line, f"unknown record type {fields[0]!r}"))
        return None
    return ttl, rtype, " ".join(fields[1:])


def _take_soa(
    zone: ParsedZone,
    pending: list[tuple[_Entry, str, int | None, str, str]],
    default_ttl: int | None,
) -> None:
    assert zone.origin is not None
    apex = zone.origin.to_text()
    soas = [item for item in pending if item[3] == "SOA"]
    if not soas:
        zone.problems.insert(0, Problem(1, SOA_REQUIRED))
        return
    entry, owner, ttl, _, data = soas[0]
    if owner != apex:
        zone.problems.append(Problem(entry.line, "the SOA must be at the $ORIGIN"))
        return
    try:
        rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.SOA, data, zone.origin, False)
    except dns.exception.DNSException as error:
        zone.problems.append(Problem(entry.line, f"bad SOA: {error}"))
        return
    assert isinstance(rdata, SOA)
    soa_ttl = ttl if ttl is not None else default_ttl if default_ttl is not None else 3600
    zone.soa = Soa(soa_ttl, rdata.rname, rdata.refresh, rdata.retry, rdata.expire, rdata.minimum)


def _ttl(explicit: int | None, default_ttl: int | None, zone: ParsedZone) -> int | None:
    """The TTL to store: None when the record would be served with the zone TTL anyway."""
    zone_ttl = zone.soa.ttl if zone.soa is not None else None
    if explicit is not None:
        return explicit
    return None if default_ttl is None or default_ttl == zone_ttl else default_ttl


def _add(zone: ParsedZone, line: int, owner: str, rtype: str, ttl: int | None, data: str) -> None:
    assert zone.origin is not None
    key = (owner, rtype)
    recordset = zone.recordsets.get(key)
    if recordset is None:
        recordset = zone.recordsets[key] = TextRecordSet(owner, rtype, ttl)
    elif ttl is not None and (recordset.ttl is None or ttl < recordset.ttl):
        recordset.ttl = ttl  # RFC 2181 5.2: one TTL per rrset; take the lowest, as dnspython
    recordset.records.append(_absolute_data(rtype, data, zone.origin))
    recordset.lines.append(line)


def _absolute_data(rtype: str, data: str, origin: dns.name.Name) -> str:
    """``data`` with its domain name made absolute, for the types that hold one: a name
    without a final dot is relative to $ORIGIN (``@`` is $ORIGIN itself), as dnspython
    reads it. Done on the text, because the API's validation parses the result anyway and
    a second parse per record doubled the cost of large imports. Anything unexpected is
    left as written, for the validation to report."""
    position = _NAME_POSITION.get(rtype)
    if position is None:
        return data
    if position >= 0:
        parts = data.split(None, position + 1)  # what follows the name stays as written
        if len(parts) <= position:
            return data
        parts[position] = _absolute_name(parts[position], origin)
        return " ".join(parts)
    stripped = data.rstrip()
    cut = max(stripped.rfind(" "), stripped.rfind("\t")) + 1
    return stripped[:cut] + _absolute_name(stripped[cut:], origin)


def _absolute_name(name: str, origin: dns.name.Name) -> str:
    if name.endswith(".") and not name.endswith("\\."):
        return name
    return _text(origin) if name == "@" else f"{name}.{_text(origin)}"


@functools.lru_cache(maxsize=16)
def _text(origin: dns.name.Name) -> str:
    """``origin.to_text()``, asked for every line of a file: dnspython's escaping pass over
    the labels each time cost more than the rest of reading an owner."""
    return origin.to_text()


def _is_type(rtype: str) -> bool:
    try:
        dns.rdatatype.from_text(rtype)
    except dns.exception.DNSException:
        return False
    return True


def _parse_ttl(text: str) -> int | None:
    try:
        return int(dns.ttl.from_text(text))
    except (dns.exception.DNSException, ValueError):
        return None


def _name(text: str, origin: dns.name.Name) -> dns.name.Name | None:
    try:
        return dns.name.from_text(text, origin)
    except dns.exception.DNSException:
        return None


# -- logical lines -----------------------------------------------------------------------------


def _entries(text: str, problems: list[Problem]) -> Iterator[_Entry]:
    """Each statement of ``text`` with its first line: comments dropped, parentheses joined."""
    lines = iter(enumerate(text.splitlines(), start=1))
    for number, line in lines:
        if not any(mark in line for mark in '(";\\'):
            fields = line.split()  # the fast path: nearly every line of a large file
            blank_owner = line[:1].isspace()
        else:
            fields, blank_owner = _scan(number, line, lines, problems)
        if not fields:
            continue
        if blank_owner:
            yield _Entry(number, None, fields)
        else:
            yield _Entry(number, fields[0], fields[1:])


def _scan(
    number: int, line: str, more: Iterator[tuple[int, str]], problems: list[Problem]
) -> tuple[list[str], bool]:
    """The fields of a statement that holds quotes, comments, escapes or parentheses (which
    may continue it over the following lines). Quoted strings stay one field, quotes kept."""
    fields: list[str] = []
    current: list[str] = []
    depth = 0
    blank_owner = line[:1].isspace()
    while True:
        depth = _scan_line(line, fields, current, depth)
        if depth <= 0:
            break
        following = next(more, None)
        if following is None:
            problems.append(Problem(number, "unbalanced parentheses"))
            return [], blank_owner
        line = following[1]
    if depth < 0:
        problems.append(Problem(number, "unbalanced parentheses"))
        return [], blank_owner
    return fields, blank_owner


def _scan_line(line: str, fields: list[str], current: list[str], depth: int) -> int:
    """Scan one physical line into ``fields``; returns the parenthesis depth after it."""
    quoted = False
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\" and index + 1 < len(line):
            current.append(line[index : index + 2])
            index += 2
            continue
        if quoted:
            current.append(char)
            quoted = char != '"'
        elif char == '"':
            current.append(char)
            quoted = True
        elif char == ";":
            break
        elif char in "()" or char.isspace():
            _flush(fields, current)
            depth += 1 if char == "(" else -1 if char == ")" else 0
        else:
            current.append(char)
        index += 1
    _flush(fields, current)
    return depth


def _flush(fields: list[str], current: list[str]) -> None:
    if current:
        fields.append("".join(current))
        current.clear()


# -- export ------------------------------------------------------------------------------------


def export_header(origin: str, ttl: int) -> str:
    """The first lines of an export: ``$ORIGIN`` and ``$TTL`` (the zone TTL), then a blank."""
    return f"$ORIGIN {origin}\n$TTL {ttl}\n\n"


def export_lines(rows: Iterable[tuple[str, str, int | None, str]]) -> Iterator[str]:
    """One line per record, ``<name> <ttl or nothing> IN <TYPE> <data>``, as Designate writes
    them; a record without a TTL of its own takes ``$TTL`` when read back."""
    for name, rtype, ttl, data in rows:
        yield f"{name} {'' if ttl is None else ttl} IN {rtype} {data}\n"
