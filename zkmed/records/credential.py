"""Credentials: the issuer commits to every attribute and signs the commitments' digests (``docs/records.md``).

An attribute's *entry* is its public description (name, kind, unit, scale,
code system) plus a 16-byte salt and its Pedersen commitment ``C = v·G + r·H``
(P-256); its digest is SHA-256 over the length-prefixed fields
(:meth:`Entry.digest`).  The issuer signs (ECDSA P-256) the *header* — schema,
group, issuer key, holder key, issue time (ms) and the sorted entry digests —
as the byte string :meth:`Header.message`; the SHA-256 of that message is the
*credential digest*.  Random decoy digests pad the list to a multiple of 32.
A presentation shows the header (every digest, no names) and only the entries
it uses, so attributes it does not use stay unnamed and their number is known
only to that granularity.  The
credential file (the holder's, secret: values and blindings; mode 0600) is
format ``zkmed.records.credential``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.encoding import Writer, b64_decode, b64_encode, utf8_encode
from zkmed.errors import MalformedInput, VerificationError
from zkmed.files import write_atomic
from zkmed.formats import RECORDS_ATTRIBUTES, RECORDS_CREDENTIAL
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import Element, get_group
from zkmed.records.attributes import Attribute, check_description, extract_attributes
from zkmed.records.fhir import FhirBundle
from zkmed.records.keys import KEY_SIZE, SIGNATURE_SIZE, IssuerKey, PublicKey

__all__ = ["GROUP", "SCHEMA", "Credential", "Entry", "Header", "attributes_json", "issue_credential", "load_credential"]

SCHEMA = "zkmed.records.fhir-r4.v1"
GROUP = "P256"
SALT_SIZE = 16
PAD = 32
MAX_ENTRIES = 4096
MAX_CREDENTIAL_BYTES = 8 << 20
SIGN_TAG = b"zkmed.records.credential.v1"
ENTRY_TAG = b"zkmed.records.entry.v1"


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def padded_count(n: int) -> int:
    """Digests in a header for ``n`` attributes: ``n`` rounded up to a multiple of :data:`PAD` (random decoys fill
    the rest), so a presentation shows the credential's size only to that granularity."""
    return max(PAD, -(-n // PAD) * PAD)


def params() -> PedersenParams:
    return PedersenParams.default(get_group(GROUP))


@dataclass(frozen=True)
class Entry:
    """The public part of one attribute in a credential: description, salt, commitment (canonical encoding).

    The commitment point is decoded (and so validated) when first used (:attr:`commitment`): a verifier
    checking a revealed value compares encodings instead (only a valid point has the canonical encoding
    of ``v·G + r·H``), which saves a square root per revealed attribute.
    """

    description: dict[str, Any]
    salt: bytes
    encoded: bytes

    @classmethod
    def of(cls, description: dict[str, Any], salt: bytes, commitment: Element) -> Entry:
        entry = cls(description, salt, params().group.encode_element(commitment))
        entry.__dict__["commitment"] = commitment  # cached_property's slot
        return entry

    @cached_property
    def commitment(self) -> Element:
        """The commitment point (MalformedInput if the encoding is not a valid P-256 point)."""
        return params().group.decode_element(self.encoded)

    @property
    def name(self) -> str:
        return str(self.description["name"])

    def to_json(self) -> dict[str, Any]:
        return {**self.description, "salt": b64_encode(self.salt), "commitment": b64_encode(self.encoded)}

    @cached_property
    def digest(self) -> bytes:
        """SHA-256(tag ‖ lp(name) ‖ lp(kind) ‖ lp(unit) ‖ u8(scale) ‖ lp(system) ‖ salt ‖ SEC1 commitment)."""
        d = self.description
        h = hashlib.sha256(_lp(ENTRY_TAG))
        for text in (d["name"], d["kind"], d["unit"]):
            h.update(_lp(utf8_encode(text)))
        h.update(bytes([d["scale"]]) + _lp(utf8_encode(d["system"])) + self.salt)
        h.update(self.encoded)
        return h.digest()

    @classmethod
    def from_json(cls, obj: Any, where: str) -> Entry:
        if not isinstance(obj, dict):
            raise MalformedInput(f"{where}: expected an object")
        extra = set(obj) - {"name", "kind", "unit", "scale", "system", "salt", "commitment"}
        if extra:
            raise MalformedInput(f"{where}: unknown members {sorted(extra)[:3]}")
        name, kind, unit, scale, system = check_description(obj, where)
        salt, com = obj.get("salt"), obj.get("commitment")
        if not isinstance(salt, str) or not isinstance(com, str):
            raise MalformedInput(f"{where}: salt and commitment must be base64 text")
        group = params().group
        encoded = b64_decode(com, length=group.element_size, what=f"{where} commitment")
        if encoded[0] not in (2, 3):
            raise MalformedInput(f"{where}: the commitment is not a compressed point")
        description = {"name": name, "kind": kind, "unit": unit, "scale": scale, "system": system}
        return cls(description, b64_decode(salt, length=SALT_SIZE, what=f"{where} salt"), encoded)


@dataclass(frozen=True)
class Header:
    """What the issuer signs; shown whole in every presentation."""

    issuer: PublicKey
    holder: PublicKey
    issued_at: int  # milliseconds since the epoch
    digests: tuple[bytes, ...]
    schema: str = SCHEMA
    group: str = GROUP

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "group": self.group,
            "issuer": b64_encode(self.issuer.raw),
            "holder": b64_encode(self.holder.raw),
            "issued_at": self.issued_at,
            "digests": b64_encode(b"".join(self.digests)),
        }

    @cached_property
    def message(self) -> bytes:
        """``lp(tag) ‖ lp(schema) ‖ lp(group) ‖ issuer key ‖ holder key ‖ u64(issued_at) ‖ u32(n) ‖ digests``."""
        w = Writer().bytes_lp(SIGN_TAG).text(self.schema).text(self.group).raw(self.issuer.raw).raw(self.holder.raw)
        return w.u64(self.issued_at).u32(len(self.digests)).raw(b"".join(self.digests)).finish()

    @cached_property
    def digest(self) -> bytes:
        """The credential digest (bound into every proof of every presentation)."""
        return hashlib.sha256(self.message).digest()

    @classmethod
    def from_json(cls, obj: Any, where: str = "credential header", *, known: tuple[PublicKey, ...] = ()) -> Header:
        """Parse a header; a key equal to one in ``known`` (the verifier's issuer key) is that object."""
        if not isinstance(obj, dict) or set(obj) != {"schema", "group", "issuer", "holder", "issued_at", "digests"}:
            raise MalformedInput(f"{where}: expected schema, group, issuer, holder, issued_at, digests")
        if obj["schema"] != SCHEMA:
            raise MalformedInput(f"{where}: unknown schema {str(obj['schema'])[:40]!r}")
        if obj["group"] != GROUP:
            raise MalformedInput(f"{where}: unsupported group {str(obj['group'])[:20]!r}")
        at = obj["issued_at"]
        if not isinstance(at, int) or isinstance(at, bool) or not 0 <= at < 1 << 53:
            raise MalformedInput(f"{where}: issued_at must be milliseconds since the epoch")
        digests = obj["digests"]
        if not isinstance(digests, str) or len(digests) > 4 * (32 * MAX_ENTRIES // 3 + 1):
            raise MalformedInput(f"{where}: digests must be base64 text")
        joined = b64_decode(digests, what=f"{where} digests")
        raw = tuple(joined[i : i + 32] for i in range(0, len(joined), 32))
        if not raw or len(joined) % 32 or any(a >= b for a, b in zip(raw, raw[1:], strict=False)):
            raise MalformedInput(f"{where}: digests must be distinct, sorted, 32 bytes each")
        for key in ("issuer", "holder"):
            if not isinstance(obj[key], str):
                raise MalformedInput(f"{where}: {key} must be a base64 key")
        keys = []
        for role in ("issuer", "holder"):
            data = b64_decode(obj[role], length=KEY_SIZE, what=f"{where} {role} key")
            same = [k for k in known if k.role == role and k.raw == data]
            keys.append(same[0] if same else PublicKey(role, data))
        return cls(keys[0], keys[1], at, raw)


@dataclass(frozen=True)
class Credential:
    """The holder's credential: header, issuer signature, and per attribute its entry, value and blinding."""

    header: Header
    signature: bytes
    entries: tuple[Entry, ...]
    attributes: tuple[Attribute, ...]
    blindings: tuple[int, ...]

    def __repr__(self) -> str:
        return (
            f"Credential(issuer={self.header.issuer.fingerprint}, attributes={len(self.entries)}, secrets=<redacted>)"
        )

    def to_json(self) -> dict[str, Any]:
        group = params().group
        rows = []
        for entry, attr, r in zip(self.entries, self.attributes, self.blindings, strict=True):
            rows.append({**entry.to_json(), "value": attr.text, "blinding": b64_encode(group.encode_scalar(r))})
        return {
            **RECORDS_CREDENTIAL.json_header(),
            "header": self.header.to_json(),
            "signature": b64_encode(self.signature),
            "attributes": rows,
        }

    def to_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    def find(self, name: str) -> list[int]:
        """Indices of the entries named ``name`` (several for ``Condition.code``)."""
        return [i for i, e in enumerate(self.entries) if e.name == name]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the credential file, mode 0600, atomically (temp + rename)."""
        write_atomic(path, self.to_bytes(), secret=True, what="the credential", error=MalformedInput)


def issue_credential(bundle: FhirBundle, issuer: IssuerKey, holder: PublicKey, *, issued_at: int) -> Credential:
    """Commit to every attribute of ``bundle``'s patient and sign the commitments for ``holder``."""
    if not isinstance(issuer, IssuerKey) or not isinstance(holder, PublicKey) or holder.role != "holder":
        raise MalformedInput("issue_credential needs an IssuerKey and a holder PublicKey")
    p = params()
    attrs = extract_attributes(bundle)
    entries, blindings = [], []
    for a in attrs:
        r = p.group.random_scalar()
        entries.append(Entry.of(a.describe(), secrets.token_bytes(SALT_SIZE), p.commit(a.scalar, r)))
        blindings.append(r)
    digests = [e.digest for e in entries]
    digests += [secrets.token_bytes(32) for _ in range(padded_count(len(digests)) - len(digests))]  # decoys
    header = Header(issuer.public, holder, int(issued_at), tuple(sorted(digests)))
    return Credential(header, issuer.sign(header.message), tuple(entries), tuple(attrs), tuple(blindings))


def load_credential(data: bytes, *, what: str = "credential") -> Credential:
    """Parse and check a credential file: issuer signature, every digest listed, every commitment opens."""
    if not isinstance(data, (bytes, bytearray)) or len(data) > MAX_CREDENTIAL_BYTES:
        raise MalformedInput(f"{what}: expected at most {MAX_CREDENTIAL_BYTES} bytes")
    obj = parse_json(bytes(data))
    RECORDS_CREDENTIAL.check_json(obj)
    if set(obj) != {"type", "version", "header", "signature", "attributes"}:
        raise MalformedInput(f"{what}: expected type, version, header, signature, attributes")
    header = Header.from_json(obj["header"], f"{what} header")
    if not isinstance(obj["signature"], str):
        raise MalformedInput(f"{what}: signature must be base64")
    signature = b64_decode(obj["signature"], length=SIGNATURE_SIZE, what=f"{what} signature")
    header.issuer.verify(header.message, signature)
    rows = obj["attributes"]
    if not isinstance(rows, list) or not 0 < len(rows) <= len(header.digests):
        raise MalformedInput(f"{what}: at most one attribute per signed digest expected")
    p = params()
    entries, attrs, blindings = [], [], []
    for i, row in enumerate(rows):
        where = f"{what} attributes[{i}]"
        if (
            not isinstance(row, dict)
            or not isinstance(row.get("value"), str)
            or not isinstance(row.get("blinding"), str)
        ):
            raise MalformedInput(f"{where}: value and blinding must be strings")
        entry = Entry.from_json({k: v for k, v in row.items() if k not in ("value", "blinding")}, where)
        attr = Attribute(text=row["value"], **entry.description)
        r = p.group.decode_scalar(b64_decode(row["blinding"], length=p.group.scalar_size, what=f"{where} blinding"))
        if not p.group.eq(p.group.msm([attr.scalar % p.group.order, r], [p.g, p.h]), entry.commitment):
            raise VerificationError(f"{where}: the commitment does not open to the stored value")
        entries.append(entry)
        attrs.append(attr)
        blindings.append(r)
    mine = [e.digest for e in entries]
    if len(set(mine)) != len(mine) or not set(mine) <= set(header.digests):
        raise VerificationError(f"{what}: the attributes do not match the signed digests")
    return Credential(header, signature, tuple(entries), tuple(attrs), tuple(blindings))


def attributes_json(credential: Credential) -> dict[str, Any]:
    """``record attributes --json`` (format ``zkmed.records.attributes``): the holder's own view."""
    return {
        **RECORDS_ATTRIBUTES.json_header(),
        "issuer": credential.header.issuer.fingerprint,
        "holder": credential.header.holder.fingerprint,
        "issued_at": credential.header.issued_at,
        "attributes": [
            {"name": a.name, "kind": a.kind, "value": a.text, "unit": a.unit, "scale": a.scale, "system": a.system}
            for a in credential.attributes
        ],
    }
