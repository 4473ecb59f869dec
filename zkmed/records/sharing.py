"""Full-record sharing: the bundle encrypted to the grantee with HPKE (RFC 9180), its digest on the ledger.

The patient holds an active ``permit`` grant for the full record that names the
grantee's HPKE public key (:mod:`zkmed.records.consent`).  :func:`share_record`
encrypts the bundle's exact bytes to that key — suite DHKEM(X25519,
HKDF-SHA256), HKDF-SHA256, AES-128-GCM (:mod:`zkmed.records.hpke_keys`), single-shot base mode, with
``info = "zkmed.records.shared-record v1" || 0x00 || grant id || SHA-256(bundle)`` —
into a :class:`SharedRecord` file kept off the ledger, and appends a
:class:`ShareAnchor` signed by the patient (grant id, record digest, ciphertext
digest).  :func:`open_record` (the grantee) finds the anchor of that exact
ciphertext, checks the patient's signature, that the grant is still active and
names this key, decrypts with the anchored ``info`` and checks the plaintext's
digest; each outcome after the anchor is found is an access-audit entry.

HPKE base mode does not authenticate the sender (anyone may encrypt to a
public key): authenticity comes from the patient-signed anchor, which binds the
ciphertext's and the record's digests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Self

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.encoding import Reader, b64_decode, b64_encode, hex_decode
from zkmed.errors import MalformedInput, VerificationError
from zkmed.formats import RECORDS_SHARE_ANCHOR, RECORDS_SHARE_REPORT, RECORDS_SHARED_RECORD
from zkmed.ledger.ledger import Ledger
from zkmed.records import board
from zkmed.records.access import record_access
from zkmed.records.consent import find_grant, list_grants, require_active_grant
from zkmed.records.fhir_consent import Grant
from zkmed.records.hpke_keys import KEY_SIZE, SUITE_NAME, HpkeKey, HpkePublicKey
from zkmed.records.keys import SIGNATURE_SIZE, HolderKey, PublicKey

__all__ = [
    "MAX_RECORD",
    "SHARE_ENTRY",
    "SUITE_NAME",
    "HpkeKey",
    "HpkePublicKey",
    "OpenedRecord",
    "ShareAnchor",
    "SharedRecord",
    "decrypt_shared",
    "encrypt_shared",
    "open_record",
    "share_record",
    "share_report",
]

SHARE_ENTRY = "records/share"
DIGEST_SIZE = 32
#: the largest bundle shared (bytes)
MAX_RECORD = 64 << 20
_OVERHEAD = KEY_SIZE + 16  # HPKE enc (X25519 public key) + AES-GCM tag


def _info(grant_id: bytes, digest: bytes) -> bytes:
    return f"{RECORDS_SHARED_RECORD.name} v{RECORDS_SHARED_RECORD.version}".encode() + b"\x00" + grant_id + digest


# ---------------------------------------------------------------------------
# the off-ledger file and the on-ledger anchor


@dataclass(frozen=True)
class SharedRecord:
    """The off-ledger file: ``"ZK" 0x0632 v1 || grant id (32) || SHA-256(bundle) (32) || HPKE ciphertext``."""

    grant_id: bytes
    record_digest: bytes
    ciphertext: bytes  # enc (32) || AES-128-GCM ciphertext and tag

    def __post_init__(self) -> None:
        for name, value in (("grant_id", self.grant_id), ("record_digest", self.record_digest)):
            if not isinstance(value, bytes) or len(value) != DIGEST_SIZE:
                raise MalformedInput(f"shared record: {name} is {DIGEST_SIZE} bytes")
        if not isinstance(self.ciphertext, bytes) or not _OVERHEAD <= len(self.ciphertext) <= MAX_RECORD + _OVERHEAD:
            raise MalformedInput("shared record: the HPKE ciphertext is too short or too long")

    def encode(self) -> bytes:
        return RECORDS_SHARED_RECORD.wrap(self.grant_id + self.record_digest + self.ciphertext)

    @classmethod
    def decode(cls, data: bytes) -> SharedRecord:
        r = Reader(RECORDS_SHARED_RECORD.unwrap(data), RECORDS_SHARED_RECORD.name)
        grant_id, digest = r.raw(DIGEST_SIZE), r.raw(DIGEST_SIZE)
        return cls(grant_id, digest, r.raw(r.remaining))

    @property
    def info(self) -> bytes:
        return _info(self.grant_id, self.record_digest)


def encrypt_shared(bundle: bytes, recipient: HpkePublicKey, grant_id: bytes) -> SharedRecord:
    """Encrypt ``bundle`` to ``recipient``, bound to ``grant_id`` and the bundle's SHA-256 (in ``info``)."""
    if not isinstance(bundle, bytes) or len(bundle) > MAX_RECORD:
        raise MalformedInput(f"a shared record is at most {MAX_RECORD} bytes")
    digest = hashlib.sha256(bundle).digest()
    ct = recipient.encrypt(bundle, _info(grant_id, digest))
    return SharedRecord(grant_id, digest, ct)


def decrypt_shared(key: HpkeKey, shared: SharedRecord, record_digest: bytes) -> bytes:
    """Decrypt with ``info`` built from ``record_digest`` (the anchored one), then check the plaintext's digest."""
    bundle = key.decrypt(shared.ciphertext, _info(shared.grant_id, record_digest))
    if hashlib.sha256(bundle).digest() != record_digest:
        raise VerificationError("the shared record's digest does not match the one anchored on the ledger")
    return bundle


@dataclass(frozen=True)
class ShareAnchor:
    """The ledger's record of one share, signed by the patient: grant id, record and ciphertext digests."""

    patient: PublicKey
    grant_id: str
    record_sha256: str
    ciphertext_sha256: str
    recipient: str  # the HPKE key id
    shared_ms: int
    signature: bytes
    seq: int | None = field(default=None, compare=False)

    def body(self) -> dict[str, Any]:
        return {
            **RECORDS_SHARE_ANCHOR.json_header(),
            "patient_key": self.patient.to_json(),
            "grant": self.grant_id,
            "record_sha256": self.record_sha256,
            "ciphertext_sha256": self.ciphertext_sha256,
            "recipient": self.recipient,
            "suite": SUITE_NAME,
            "shared": board.instant(self.shared_ms),
        }

    def message(self) -> bytes:
        return f"{RECORDS_SHARE_ANCHOR.name} v{RECORDS_SHARE_ANCHOR.version}\n".encode() + canonical_json(self.body())

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "signature": b64_encode(self.signature)}

    @classmethod
    def create(
        cls, holder: HolderKey, grant: Grant, shared: SharedRecord, recipient: HpkePublicKey, at_ms: int
    ) -> Self:
        args = (
            grant.id,
            shared.record_digest.hex(),
            hashlib.sha256(shared.encode()).hexdigest(),
            recipient.fingerprint,
        )
        unsigned = cls(holder.public, *args, at_ms, bytes(SIGNATURE_SIZE))
        return cls(holder.public, *args, at_ms, holder.sign(unsigned.message()))

    @classmethod
    def from_payload(cls, data: bytes, seq: int | None = None) -> ShareAnchor:
        what = RECORDS_SHARE_ANCHOR.name
        obj = parse_json(data)
        RECORDS_SHARE_ANCHOR.check_json(obj)
        hexes = {}
        for name, size in (("grant", 32), ("record_sha256", 32), ("ciphertext_sha256", 32), ("recipient", 16)):
            value = board.field(obj, name, str, what)
            hex_decode(value, length=size, what=f"{what} {name}")
            hexes[name] = value
        anchor = cls(
            PublicKey.from_json(board.field(obj, "patient_key", dict, what), "holder"),
            hexes["grant"],
            hexes["record_sha256"],
            hexes["ciphertext_sha256"],
            hexes["recipient"],
            board.parse_instant(board.field(obj, "shared", str, what), f"{what} shared"),
            b64_decode(board.field(obj, "signature", str, what), length=SIGNATURE_SIZE, what=f"{what} signature"),
            seq,
        )
        if anchor.to_json() != obj:
            raise MalformedInput(f"{what} is not in the canonical form")
        return anchor

    def verify(self) -> None:
        try:
            self.patient.verify(self.message(), self.signature)
        except VerificationError:
            raise VerificationError("the share anchor's signature is not the patient's") from None


# ---------------------------------------------------------------------------
# sharing and opening


def share_record(
    ledger: Ledger, holder: HolderKey, bundle: bytes, grant_id: str, *, at_ms: int | None = None
) -> tuple[SharedRecord, ShareAnchor]:
    """Encrypt ``bundle`` under the holder's active full-record grant ``grant_id``; append the anchor."""
    if not isinstance(holder, HolderKey):
        raise MalformedInput("a record is shared with the patient's HolderKey")
    now = ledger.clock() if at_ms is None else board.check_ms(at_ms, "at_ms")
    grant = find_grant(ledger, grant_id)
    if grant.patient != holder.public:
        raise MalformedInput(f"consent grant {grant.id[:16]} was not given by this holder key")
    if grant.recipient is None:
        raise VerificationError(f"consent grant {grant.id[:16]} does not permit sharing the full record")
    state = next(s for s in list_grants(ledger, at_ms=now) if s.grant.id == grant.id)
    if not state.active:
        raise VerificationError(f"consent grant {grant.id[:16]} is {state.state}")
    require_active_grant(
        ledger, patient=grant.patient, grantee=grant.grantee, attributes=(), policies=(), at_ms=now, full_record=True
    )  # no active deny of the full record to this grantee
    recipient = HpkePublicKey(grant.recipient)
    shared = encrypt_shared(bundle, recipient, bytes.fromhex(grant.id))
    anchor = ShareAnchor.create(holder, grant, shared, recipient, now)
    seq = ledger.append(SHARE_ENTRY, canonical_json(anchor.to_json())).first_seq
    return shared, ShareAnchor.from_payload(canonical_json(anchor.to_json()), seq)


@dataclass(frozen=True)
class OpenedRecord:
    bundle: bytes
    grant: Grant
    anchor: ShareAnchor
    access_seq: int | None  # the access-audit entry written


def _anchor(ledger: Ledger, grant: Grant, data: bytes) -> ShareAnchor:
    digest = hashlib.sha256(data).hexdigest()
    for entry in board.scan(ledger, (SHARE_ENTRY,)):
        try:
            anchor = ShareAnchor.from_payload(entry.payload, entry.seq)
            if anchor.grant_id == grant.id and anchor.ciphertext_sha256 == digest and anchor.patient == grant.patient:
                anchor.verify()
                return anchor
        except (MalformedInput, VerificationError):
            continue
    raise VerificationError("no share anchor signed by the patient names this file: it was altered or never shared")


def open_record(
    ledger: Ledger, key: HpkeKey, data: bytes, *, at_ms: int | None = None, audit: bool = True
) -> OpenedRecord:
    """The grantee's side: check the anchor and the grant, decrypt, check the digest (see the module docstring).

    With ``audit`` (the ledger must hold keys), the outcome once the anchor is
    found is appended as an access-audit entry: success, ``denied`` (no active
    grant) or ``failed`` (the file does not decrypt to the anchored digest).
    """
    if not isinstance(key, HpkeKey):
        raise MalformedInput("a shared record is opened with the grantee's HpkeKey")
    now = ledger.clock() if at_ms is None else board.check_ms(at_ms, "at_ms")
    shared = SharedRecord.decode(data)
    grant = find_grant(ledger, shared.grant_id.hex())
    if grant.recipient != key.public.raw:
        raise VerificationError(f"consent grant {grant.id[:16]} does not name this HPKE key: not addressed to you")
    anchor = _anchor(ledger, grant, data)

    def log(outcome: str) -> int | None:
        if not audit:
            return None
        return record_access(
            ledger,
            grantee=grant.grantee,
            patient=grant.patient,
            policies=(),
            attributes=(),
            outcome=outcome,
            at_ms=now,
            grant=grant.id,
            action="open",
        )

    try:
        require_active_grant(
            ledger,
            patient=grant.patient,
            grantee=grant.grantee,
            attributes=(),
            policies=(),
            at_ms=now,
            full_record=True,
        )
    except VerificationError:
        log("denied")
        raise
    try:
        if anchor.record_sha256 != shared.record_digest.hex():
            raise VerificationError("the shared record's digest does not match the one anchored on the ledger")
        bundle = decrypt_shared(key, shared, bytes.fromhex(anchor.record_sha256))
    except VerificationError:
        log("failed")
        raise
    return OpenedRecord(bundle, grant, anchor, log("success"))


def share_report(action: str, grant: Grant, anchor: ShareAnchor, access_seq: int | None = None) -> dict[str, Any]:
    """``record share --json`` / ``record open --json`` (format ``zkmed.records.share-report``)."""
    return {
        **RECORDS_SHARE_REPORT.json_header(),
        "action": action,
        "grant": grant.id,
        "grantee": grant.grantee,
        "patient": grant.patient.fingerprint,
        "recipient": anchor.recipient,
        "record_sha256": anchor.record_sha256,
        "ciphertext_sha256": anchor.ciphertext_sha256,
        "anchor_seq": anchor.seq,
        "access_seq": access_seq,
    }
