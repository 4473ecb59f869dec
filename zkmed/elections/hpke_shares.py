"""Shares in transit: HPKE (RFC 9180) from ``cryptography``, one suite, ``info`` binding who sends what to whom.

Suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305 (base mode, single shot).
``info = lp("zkmed/election/ceremony-share/v1") ‖ binding ‖ u32(dealer) ‖ u32(recipient)``
with :meth:`~zkmed.elections.ceremony_messages.CeremonyParams.binding`, so a ciphertext
cannot be replayed into another ceremony, from another dealer or to another recipient
(decryption fails: the AEAD key depends on ``info``).  The HPKE key pair is fresh per
ceremony (made in round 1, kept only in the round states).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from zkmed.encoding import length_prefixed, u32
from zkmed.errors import MalformedInput

__all__ = ["SUITE", "decrypt_share", "encrypt_share", "new_keypair", "share_info", "usable_public_key"]

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)


def new_keypair() -> tuple[X25519PrivateKey, bytes]:
    """A fresh X25519 key pair: the private key and the 32-byte public key."""
    sk = X25519PrivateKey.generate()
    return sk, sk.public_key().public_bytes_raw()


def share_info(binding: bytes, dealer: int, recipient: int) -> bytes:
    return length_prefixed(b"zkmed/election/ceremony-share/v1") + binding + u32(dealer) + u32(recipient)


def encrypt_share(public_key: bytes, plaintext: bytes, info: bytes) -> bytes:
    """HPKE-seal ``plaintext``; MalformedInput for an unusable key (wrong length, or low order: no shared secret)."""
    try:
        return SUITE.encrypt(plaintext, X25519PublicKey.from_public_bytes(public_key), info=info)
    except ValueError as exc:
        raise MalformedInput(f"HPKE: unusable X25519 public key: {exc}") from exc


def usable_public_key(public_key: bytes) -> bool:
    """Whether shares can be encrypted to ``public_key`` (a trial encryption; low-order points fail)."""
    try:
        encrypt_share(public_key, b"", b"zkmed/election/ceremony-key-check")
    except MalformedInput:
        return False
    return True


def decrypt_share(private_key: X25519PrivateKey, ciphertext: bytes, info: bytes) -> bytes | None:
    """The plaintext, or None when the ciphertext does not decrypt (wrong key, info, or tampered)."""
    try:
        return SUITE.decrypt(ciphertext, private_key, info=info)
    except (InvalidTag, ValueError):
        return None
