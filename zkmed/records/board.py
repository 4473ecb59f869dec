"""What consent, access audit and sharing have in common on the ledger (the "board").

* :func:`scan` reads the ledger's entries (sealed and pending) of some entry
  types, oldest first; the entry types of this package are ``records/…``
  (``docs/consent.md`` §Ledger entries).
* :func:`instant` / :func:`parse_instant`: FHIR ``instant`` text in the one
  form this package writes, ``YYYY-MM-DDThh:mm:ss.sssZ`` (UTC, milliseconds),
  and back to milliseconds since the Unix epoch.
* :func:`check_name` / :func:`check_grantee`: the attribute and policy names a
  grant or an audit entry may carry (names, never values), and grantee ids.
* :func:`field`: a typed member of a JSON object, or MalformedInput naming it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from typing import Any

from zkmed.encoding import utf8_encode
from zkmed.errors import LedgerError, MalformedInput
from zkmed.ledger.entries import MAX_TYPE, Entry
from zkmed.ledger.ledger import Ledger

__all__ = [
    "MAX_NAMES",
    "check_grantee",
    "check_ms",
    "check_name",
    "check_names",
    "field",
    "instant",
    "parse_instant",
    "scan",
]

#: most attribute or policy names in one grant or audit entry
MAX_NAMES = 256
#: the latest instant accepted: 9999-12-31T23:59:59.999Z
MAX_MS = 253402300799999
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_INSTANT = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z")
#: attribute names (``Patient.gender``, ``Observation[4548-4].value``, ``Condition.code``) and policy names
#: (``hba1c-controlled``): no spaces, no comparison signs, so a predicate with its value cannot pass for one
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9._:/|\[\]-]{0,127}")
#: a grantee id (the presentation audience: a name or a URL): printable, no whitespace
_GRANTEE = re.compile(r"[\x21-\x7e\u00a1-\u2027\u202a-\U0010ffff]{1,256}")
_CHUNK = 512


def check_ms(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_MS:
        raise MalformedInput(f"{what} must be milliseconds since the Unix epoch (0 … {MAX_MS})")
    return value


def instant(ms: int) -> str:
    """``ms`` (since the Unix epoch) as a FHIR instant ``YYYY-MM-DDThh:mm:ss.sssZ``."""
    t = _EPOCH + dt.timedelta(milliseconds=check_ms(ms, "a time"))
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_instant(text: object, what: str = "time") -> int:
    """The inverse of :func:`instant` (exactly that form; MalformedInput otherwise)."""
    m = _INSTANT.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise MalformedInput(f"{what}: expected a UTC instant YYYY-MM-DDThh:mm:ss.sssZ")
    y, mo, d, h, mi, s, ms = (int(g) for g in m.groups())
    try:
        t = dt.datetime(y, mo, d, h, mi, s, tzinfo=dt.UTC)
    except ValueError as exc:
        raise MalformedInput(f"{what}: {exc}") from None
    out = (t - _EPOCH) // dt.timedelta(milliseconds=1) + ms
    return check_ms(out, what)


def check_name(name: object, what: str = "name") -> str:
    if not isinstance(name, str) or _NAME.fullmatch(name) is None:
        shown = repr(name)[:40] if isinstance(name, str) else type(name).__name__
        raise MalformedInput(f"{what} {shown} is not a name (a letter, then up to 127 of letters, digits and ._:/|[]-)")
    return name


def check_names(names: object, what: str) -> tuple[str, ...]:
    """A sorted, duplicate-free tuple of names (MalformedInput for a string, a bad name or too many)."""
    if isinstance(names, (str, bytes)) or not isinstance(names, (Sequence, set, frozenset)):
        raise MalformedInput(f"{what} must be a list of names")
    out = tuple(sorted({check_name(n, what.rstrip("s")) for n in names}))
    if len(out) > MAX_NAMES:
        raise MalformedInput(f"at most {MAX_NAMES} {what}")
    return out


def check_grantee(grantee: object) -> str:
    if not isinstance(grantee, str) or _GRANTEE.fullmatch(grantee) is None:
        raise MalformedInput("a grantee is 1 to 256 printable characters without spaces (the audience)")
    utf8_encode(grantee, what="grantee")
    return grantee


def field(obj: Any, key: str, kind: type | tuple[type, ...], what: str) -> Any:
    """``obj[key]`` when ``obj`` is an object holding a ``kind`` there (never a bool for int)."""
    if not isinstance(obj, dict) or key not in obj:
        raise MalformedInput(f"{what}: missing member {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise MalformedInput(f"{what}: member {key!r} has the wrong type")
    return value


def scan(ledger: Ledger, types: Sequence[str]) -> Iterator[Entry]:
    """Every entry of ``types`` on ``ledger`` (sealed, then pending), oldest first."""
    if not isinstance(ledger, Ledger):
        raise MalformedInput("expected a zkmed.ledger.Ledger")
    wanted = frozenset(types)
    heads = frozenset(len(t.encode()).to_bytes(4, "big") + t.encode() for t in wanted)
    end = ledger.size + ledger.pending
    for start in range(0, end, _CHUNK):
        for data in ledger.store.entries(start, min(end, start + _CHUNK)):
            # other types are skipped undecoded: ``version || u64 seq || u32 len(type) || type || …``
            if data[9 : 13 + min(int.from_bytes(data[9:13], "big"), MAX_TYPE)] not in heads:
                continue
            try:
                entry = Entry.decode(data)
            except MalformedInput as exc:
                raise LedgerError(f"the ledger store holds an undecodable entry: {exc}", where="store") from None
            if entry.type in wanted:
                yield entry
