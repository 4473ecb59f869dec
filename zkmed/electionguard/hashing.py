"""The ElectionGuard 2.0 hash ``H`` and every hash this verifier recomputes (Design Specification 2.0.0, §5).

``H(B0; B1) = HMAC-SHA-256(key=B0, msg=B1)`` (§5.2); integers are 4-byte big-endian (§5.1.3), elements of
``Z_p`` 512 bytes (§5.1.1), elements of ``Z_q`` and hash values 32 bytes (§5.1.2, §5.4).

Two departures of the egk records from the 2.0 PDF's §5.5 tables, followed here because the data follows them
(both checked against the two shared records; see ``docs/electionguard.md``):

* :func:`confirmation_code` appends ``B_aux`` **raw**, without the ``b(len(B_aux), 4)`` prefix of the §5.5.3 table;
* :func:`contest_data_challenge` (domain ``0x31``) hashes ``C1`` as the UTF-8 **upper-case hex** string of its 64
  bytes (128 bytes of input) and ``C2`` as its 32 raw bytes, where the §5.5.4 table lists 512-byte values.

The version string is ``"v2.0.0"`` (§6 Verification 1.F; the §5 table's "2.0.0" is not what the data uses).
"""

from __future__ import annotations

import hashlib
import hmac

from zkmed.encoding import u32

__all__ = [
    "ELEMENT_BYTES",
    "HASH_BYTES",
    "VERSION",
    "H",
    "ballot_challenge",
    "base_hash",
    "confirmation_code",
    "contest_data_challenge",
    "contest_hash",
    "decryption_challenge",
    "element",
    "extended_base_hash",
    "guardian_challenge",
    "manifest_hash",
    "parameter_base_hash",
]

ELEMENT_BYTES = 512
HASH_BYTES = 32
#: the protocol version string, UTF-8, zero-padded to 32 bytes as the key of H_P (Verification 1.F)
VERSION = "v2.0.0"


def H(key: bytes, *parts: bytes) -> bytes:
    """``H(key; parts…)``: HMAC-SHA-256 keyed by the 32-byte ``key`` over the concatenated ``parts`` (§5.2-5.3)."""
    return hmac.new(key, b"".join(parts), hashlib.sha256).digest()


def element(x: int) -> bytes:
    """``b(x, 512)`` (§5.1.1)."""
    return int(x).to_bytes(ELEMENT_BYTES, "big")


def _index(i: int) -> bytes:
    return u32(i)


def parameter_base_hash(p: int, q: int, g: int) -> bytes:
    """``H_P = H(ver; 0x00, p, q, g)`` (§3.1.2, eq. 4; Verification 1.F)."""
    ver = VERSION.encode("utf-8").ljust(32, b"\x00")
    return H(ver, b"\x00", element(p), int(q).to_bytes(32, "big"), element(g))


def manifest_hash(h_p: bytes, manifest: bytes) -> bytes:
    """``H_M = H(H_P; 0x01, b(len(manifest), 4), manifest)`` over the file's raw bytes (§3.1.3, §5.1.5)."""
    return H(h_p, b"\x01", u32(len(manifest)), manifest)


def base_hash(h_p: bytes, h_m: bytes, n: int, k: int) -> bytes:
    """``H_B = H(H_P; 0x02, H_M, n, k)`` (§3.1.5, eq. 7)."""
    return H(h_p, b"\x02", h_m, _index(n), _index(k))


def guardian_challenge(h_p: bytes, i: int, j: int, k_ij: int, h_ij: int) -> bytes:
    """``c_i,j = H(H_P; 0x10, i, j, K_i,j, h_i,j)`` (§3.2.2, eq. 12; Verification 2.C)."""
    return H(h_p, b"\x10", _index(i), _index(j), element(k_ij), element(h_ij))


def extended_base_hash(h_b: bytes, joint_key: int) -> bytes:
    """``H_E = H(H_B; 0x12, K)`` (§3.2.3, eq. 23; Verification 4.A)."""
    return H(h_b, b"\x12", element(joint_key))


def ballot_challenge(h_e: bytes, joint_key: bytes, alpha: int, beta: int, commitments: list[int]) -> bytes:
    """``c = H(H_E; 0x21, K, α, β, a_0, b_0, …, a_R, b_R)`` (§3.3.5 eq. 37, §3.3.8 eq. 56; Verifications 5.3, 6.5).

    ``joint_key`` is ``b(K, 512)`` already encoded (the same for every proof of a record)."""
    return H(h_e, b"\x21", joint_key, element(alpha), element(beta), *(element(x) for x in commitments))


def contest_hash(h_e: bytes, index: int, joint_key: bytes, ciphertexts: list[tuple[int, int]]) -> bytes:
    """``χ_l = H(H_E; 0x23, l, K, α_1, β_1, …, α_m, β_m)`` with ``l`` the contest's sequence order (§3.4.1; 7.A)."""
    parts = [element(x) for pair in ciphertexts for x in pair]
    return H(h_e, b"\x23", _index(index), joint_key, *parts)


def confirmation_code(h_e: bytes, contest_hashes: list[bytes], b_aux: bytes) -> bytes:
    """``H(B) = H(H_E; 0x24, χ_1, …, χ_mB, B_aux)`` (§3.4.2, eq. 58; Verification 7.B).

    DEPARTURE (followed because the egk records do): ``B_aux`` is appended raw, without the 4-byte length prefix
    ``b(len(B_aux), 4)`` that the 2.0 PDF's §5.5.3 table shows.  With the prefix both shared records fail 7.B."""
    return H(h_e, b"\x24", *contest_hashes, b_aux)


def decryption_challenge(h_e: bytes, joint_key: bytes, a_: int, b_: int, a: int, b: int, m: int) -> bytes:
    """``c = H(H_E; 0x30, K, A, B, a, b, M)`` (§3.6.3, eq. 71; Verifications 9.B, 12.B)."""
    return H(h_e, b"\x30", joint_key, element(a_), element(b_), element(a), element(b), element(m))


def contest_data_challenge(
    h_e: bytes, joint_key: bytes, c0: int, c1: bytes, c2: bytes, a: int, b: int, beta: int
) -> bytes:
    """``c = H(H_E; 0x31, K, C0, C1, C2, a, b, β)`` (§3.6.4, eq. 81; Verifications 11.B, 14.B).

    DEPARTURE (followed because the egk records do): ``C1`` (64 bytes) enters as the UTF-8 upper-case hex string of
    its bytes (128 bytes of input) and ``C2`` as its 32 raw bytes; the 2.0 PDF's §5.5.4 table lists every input as a
    512-byte value.  Hashing ``C1`` raw or as a 512-byte value makes both shared records fail 14.B."""
    c1_hex = c1.hex().upper().encode("ascii")
    return H(h_e, b"\x31", joint_key, element(c0), c1_hex, c2, element(a), element(b), element(beta))
