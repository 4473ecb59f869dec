"""Issuer and holder keys: files, modes, roles, signatures, redaction."""

from __future__ import annotations

import os
import pickle
import stat

import pytest

from zkmed.errors import MalformedInput, VerificationError
from zkmed.records.keys import HolderKey, IssuerKey, PublicKey, read_public_key


def test_save_load_round_trip_and_modes(tmp_path):
    key = IssuerKey.generate()
    key.save(tmp_path / "iss")
    assert stat.S_IMODE(os.stat(tmp_path / "iss" / "issuer.key").st_mode) == 0o600
    loaded = IssuerKey.load(tmp_path / "iss")
    assert loaded.public == key.public
    sig = loaded.sign(b"message")
    key.public.verify(b"message", sig)
    with pytest.raises(VerificationError):
        key.public.verify(b"other", sig)
    with pytest.raises(VerificationError):
        key.public.verify(b"message", sig[:-1] + bytes([sig[-1] ^ 1]))
    assert read_public_key(tmp_path / "iss", "issuer") == key.public
    assert read_public_key(tmp_path / "iss" / "issuer.pub") == key.public


def test_refuses_overwrite_wrong_role_and_open_mode(tmp_path):
    IssuerKey.generate().save(tmp_path)
    with pytest.raises(MalformedInput, match="overwrite"):
        IssuerKey.generate().save(tmp_path)
    with pytest.raises(MalformedInput):
        HolderKey.load(tmp_path)  # no holder.key
    with pytest.raises(MalformedInput, match="holder"):
        read_public_key(tmp_path / "issuer.pub", "holder")
    os.chmod(tmp_path / "issuer.key", 0o644)
    with pytest.raises(MalformedInput, match="readable by others"):
        IssuerKey.load(tmp_path)


def test_secret_is_never_shown_or_pickled():
    key = HolderKey.generate()
    seed = key.secret_text().split('"seed":"')[1].split('"')[0]
    assert seed not in repr(key) and seed not in str(key)
    assert "redacted" in repr(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)


def test_public_key_text_is_strict():
    pub = HolderKey.generate().public
    assert PublicKey.from_text(pub.to_text()) == pub
    assert len(pub.fingerprint) == 32
    text = pub.to_text()
    for bad in (text.replace('"holder"', '"doctor"'), text[:-5], text.replace('"version":1', '"version":2'), "{}"):
        with pytest.raises(MalformedInput):
            PublicKey.from_text(bad)


def test_secret_file_public_must_match_seed(tmp_path):
    a, b = IssuerKey.generate(), IssuerKey.generate()
    mixed = a.secret_text().replace(
        a.secret_text().split('"public":"')[1].split('"')[0], b.secret_text().split('"public":"')[1].split('"')[0]
    )
    with pytest.raises(MalformedInput, match="does not match"):
        IssuerKey.parse_secret_text(mixed)


def test_signatures_are_low_s_and_not_malleable():
    from zkmed.records.keys import N

    key = HolderKey.from_seed(bytes(range(32)))
    for i in range(8):
        msg = b"m%d" % i
        sig = key.sign(msg)
        s = int.from_bytes(sig[32:], "big")
        assert 0 < s <= N // 2
        key.public.verify(msg, sig)
        with pytest.raises(VerificationError, match="out of range"):
            key.public.verify(msg, sig[:32] + (N - s).to_bytes(32, "big"))  # the mirrored signature
    with pytest.raises(VerificationError):
        key.public.verify(b"m0", bytes(64))


def test_public_key_must_be_a_curve_point():
    raw = bytearray(IssuerKey.generate().public.raw)
    raw[-1] ^= 1
    with pytest.raises(MalformedInput, match="curve"):
        PublicKey("issuer", bytes(raw))
    with pytest.raises(MalformedInput):
        PublicKey("issuer", bytes(raw[:33]))


def test_seed_determines_the_key():
    assert HolderKey.from_seed(bytes(32)).public == HolderKey.from_seed(bytes(32)).public
    assert HolderKey.from_seed(bytes(32)).public != HolderKey.from_seed(bytes([1]) * 32).public
