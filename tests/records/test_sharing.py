"""Full-record sharing with HPKE: tampered ciphertext, wrong recipient, wrong digest, revoked grant all refused."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import stat
from pathlib import Path

import pytest

from zkmed.canonical_json import canonical_json
from zkmed.errors import MalformedInput, UnsupportedVersion, VerificationError
from zkmed.ledger import Ledger
from zkmed.records.access import list_access
from zkmed.records.consent import find_grant, grant_consent, revoke_consent
from zkmed.records.hpke_keys import HpkeKey, HpkePublicKey
from zkmed.records.keys import HolderKey
from zkmed.records.sharing import (
    SHARE_ENTRY,
    ShareAnchor,
    SharedRecord,
    decrypt_shared,
    encrypt_shared,
    open_record,
    share_record,
    share_report,
)

T0 = 1_800_000_000_000
DAY = 86_400_000
BUNDLE = json.dumps(
    {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Patient", "name": [{"family": "Ñandú"}]}}],
    },
    ensure_ascii=False,
).encode()


@pytest.fixture
def board(tmp_path: Path) -> Ledger:
    led = Ledger.init(tmp_path / "board", authorities=1, threshold=1, clock=lambda: T0)
    yield led
    led.close()


@pytest.fixture(scope="module")
def alice() -> HolderKey:
    return HolderKey.generate()


@pytest.fixture(scope="module")
def hospital() -> HpkeKey:
    return HpkeKey.generate()


def _full(board: Ledger, holder: HolderKey, key: HpkeKey, **terms: object) -> str:
    base: dict[str, object] = {
        "grantee": "hospital",
        "full_record": True,
        "recipient": key.public.raw,
        "end_ms": T0 + DAY,
    }
    return grant_consent(board, holder, **(base | terms)).id


def test_share_and_open(board: Ledger, alice: HolderKey, hospital: HpkeKey) -> None:
    gid = _full(board, alice, hospital)
    shared, anchor = share_record(board, alice, BUNDLE, gid[:8])
    data = shared.encode()
    assert BUNDLE not in data and anchor.seq == 1 and board.entry(1).type == SHARE_ENTRY
    assert anchor.record_sha256 == hashlib.sha256(BUNDLE).hexdigest()
    assert anchor.ciphertext_sha256 == hashlib.sha256(data).hexdigest()
    opened = open_record(board, hospital, data)
    assert opened.bundle == BUNDLE and opened.grant.id == gid
    (event,) = list_access(board)
    assert (event.seq, event.action, event.outcome, event.grant) == (opened.access_seq, "open", "success", gid)
    report = share_report("open", opened.grant, opened.anchor, opened.access_seq)
    assert report["type"] == "zkmed.records.share-report" and report["record_sha256"] == anchor.record_sha256
    assert open_record(board, hospital, data, audit=False).access_seq is None


def test_tampered_ciphertext_is_refused(board: Ledger, alice: HolderKey, hospital: HpkeKey) -> None:
    gid = _full(board, alice, hospital)
    shared, _ = share_record(board, alice, BUNDLE, gid)
    data = shared.encode()
    for at in (5 + 64, 5 + 64 + 32, len(data) - 1):  # the HPKE enc, the AES-GCM body, the tag
        bad = bytearray(data)
        bad[at] ^= 1
        with pytest.raises(VerificationError, match="no share anchor"):
            open_record(board, hospital, bytes(bad))
        with pytest.raises(VerificationError, match="does not decrypt"):
            decrypt_shared(hospital, SharedRecord.decode(bytes(bad)), shared.record_digest)
    assert open_record(board, hospital, data).bundle == BUNDLE  # the control


def test_wrong_recipient_is_refused(board: Ledger, alice: HolderKey, hospital: HpkeKey) -> None:
    gid = _full(board, alice, hospital)
    shared, _ = share_record(board, alice, BUNDLE, gid)
    eve = HpkeKey.generate()
    with pytest.raises(VerificationError, match="does not name this HPKE key"):
        open_record(board, eve, shared.encode())
    with pytest.raises(VerificationError, match="does not decrypt"):
        decrypt_shared(eve, shared, shared.record_digest)
    assert list_access(board) == []


def test_wrong_digest_or_grant_is_refused(board: Ledger, alice: HolderKey, hospital: HpkeKey) -> None:
    gid = bytes.fromhex(_full(board, alice, hospital))
    shared = encrypt_shared(BUNDLE, hospital.public, gid)
    assert decrypt_shared(hospital, shared, shared.record_digest) == BUNDLE
    other = hashlib.sha256(b"another record").digest()
    with pytest.raises(VerificationError, match="does not decrypt"):  # info binds the digest
        decrypt_shared(hospital, shared, other)
    relabelled = SharedRecord(bytes(32), shared.record_digest, shared.ciphertext)
    with pytest.raises(VerificationError, match="does not decrypt"):  # info binds the grant id
        decrypt_shared(hospital, relabelled, shared.record_digest)
    # anyone can encrypt to the grantee's public key: a ciphertext whose info names a digest the plaintext lacks
    lying = SharedRecord(gid, other, hospital.public.encrypt(BUNDLE, SharedRecord(gid, other, bytes(48)).info))
    with pytest.raises(VerificationError, match="digest does not match"):
        decrypt_shared(hospital, lying, other)


def test_revoked_or_expired_grant_is_refused_and_audited(board: Ledger, alice: HolderKey, hospital: HpkeKey) -> None:
    gid = _full(board, alice, hospital)
    shared, _ = share_record(board, alice, BUNDLE, gid)
    with pytest.raises(VerificationError, match="expired"):
        open_record(board, hospital, shared.encode(), at_ms=T0 + DAY)
    revoke_consent(board, alice, gid)
    with pytest.raises(VerificationError, match="was revoked"):
        open_record(board, hospital, shared.encode())
    assert [e.outcome for e in list_access(board)] == ["denied", "denied"]
    with pytest.raises(VerificationError, match="revoked"):
        share_record(board, alice, BUNDLE, gid)


def test_share_needs_the_patients_own_full_record_grant(board: Ledger, alice: HolderKey, hospital: HpkeKey) -> None:
    partial = grant_consent(board, alice, grantee="hospital", policies=["adult"], end_ms=T0 + DAY).id
    with pytest.raises(VerificationError, match="does not permit sharing the full record"):
        share_record(board, alice, BUNDLE, partial)
    gid = _full(board, alice, hospital)
    with pytest.raises(MalformedInput, match="not given by this holder"):
        share_record(board, HolderKey.generate(), BUNDLE, gid)
    grant_consent(board, alice, grantee="hospital", full_record=True, provision="deny", end_ms=T0 + DAY)
    with pytest.raises(VerificationError, match="denies"):
        share_record(board, alice, BUNDLE, gid)


def test_anchor_must_be_signed_by_the_patient(board: Ledger, alice: HolderKey, hospital: HpkeKey) -> None:
    """Mallory (holding the ledger's keys, not Alice's) anchors her own ciphertext under Alice's grant."""
    gid = _full(board, alice, hospital)
    mallory = HolderKey.generate()
    fake = encrypt_shared(b'{"resourceType":"Bundle"}', hospital.public, bytes.fromhex(gid))
    grant = find_grant(board, gid)
    forged = ShareAnchor.create(mallory, grant, fake, hospital.public, T0)
    board.append(SHARE_ENTRY, canonical_json(forged.to_json()))
    with pytest.raises(VerificationError, match="no share anchor"):
        open_record(board, hospital, fake.encode())
    as_alice = json.loads(canonical_json(forged.to_json()))
    as_alice["patient_key"] = alice.public.to_json()  # claims Alice, signed by Mallory
    board.append(SHARE_ENTRY, canonical_json(as_alice))
    with pytest.raises(VerificationError, match="no share anchor"):
        open_record(board, hospital, fake.encode())


def test_shared_record_layout() -> None:
    shared = encrypt_shared(BUNDLE, HpkeKey.generate().public, bytes(range(32)))
    data = shared.encode()
    assert (
        data[:5] == b"ZK\x06\x32\x01" and data[5:37] == bytes(range(32)) and len(data) == 5 + 64 + 32 + len(BUNDLE) + 16
    )
    assert SharedRecord.decode(data) == shared
    for bad in (data[:100], data[: 5 + 64 + 47], b"", data[:4] + b"\x02" + data[5:]):
        with pytest.raises(MalformedInput):
            SharedRecord.decode(bad)
    with pytest.raises(UnsupportedVersion):
        SharedRecord.decode(data[:4] + b"\x02" + data[5:])


def test_hpke_key_files(tmp_path: Path) -> None:
    key = HpkeKey.generate()
    key.save(tmp_path / "g")
    assert stat.S_IMODE(os.stat(tmp_path / "g" / "hpke.key").st_mode) == 0o600
    loaded = HpkeKey.load(tmp_path / "g")
    assert (
        loaded.public
        == key.public
        == HpkePublicKey.read(tmp_path / "g")
        == HpkePublicKey.read(tmp_path / "g" / "hpke.pub")
    )
    secret_b64 = json.loads((tmp_path / "g" / "hpke.key").read_text())["secret"]
    assert secret_b64 not in repr(key) and "redacted" in repr(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(MalformedInput, match="overwrite"):
        key.save(tmp_path / "g")
    os.chmod(tmp_path / "g" / "hpke.key", 0o644)
    with pytest.raises(MalformedInput, match="readable by others"):
        HpkeKey.load(tmp_path / "g")
    other = HpkeKey.generate().secret_text()
    mixed = json.loads(other) | {"public": json.loads(key.secret_text())["public"]}
    with pytest.raises(MalformedInput, match="does not match"):
        HpkeKey.parse_secret_text(canonical_json(mixed))
    with pytest.raises(MalformedInput):
        HpkePublicKey.from_text(key.public.to_text().replace("X25519", "P-256"))


def test_a_real_bundle_of_a_megabyte_round_trips(board: Ledger, alice: HolderKey, hospital: HpkeKey) -> None:
    vectors = Path(__file__).resolve().parents[1] / "vectors" / "fhir-r4-synthea"
    bundle = max(vectors.glob("*.json"), key=lambda p: p.stat().st_size).read_bytes()
    assert len(bundle) > 500_000
    shared, anchor = share_record(board, alice, bundle, _full(board, alice, hospital))
    assert anchor.record_sha256 == hashlib.sha256(bundle).hexdigest()
    assert open_record(board, hospital, shared.encode()).bundle == bundle
