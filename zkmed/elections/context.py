"""The election's public context: group, manifest, joint key and the election base hash.

The **base hash** binds everything a ballot proof depends on::

    H = SHA-256( lp("zkmed/v1/election-base-hash") ‖ lp(group name) ‖ lp(manifest canonical JSON)
                 ‖ u32(n) ‖ u32(k) ‖ lp(round-1 payload of trustee 1) ‖ … ‖ lp(round-1 payload of trustee n)
                 ‖ lp(joint key payload) )

(``lp`` = u32 big-endian length prefix).  The round-1 payloads carry the trustees' Feldman
commitments (their keys), the joint-key payload ``K`` and every trustee's verification key
``K_i``.  Every ballot proof and every decryption proof absorbs ``H``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from zkmed.encoding import Writer
from zkmed.hazmat.groups import Group, get_group

from .ballot_proofs import ElectionKey
from .manifest import Manifest

__all__ = ["ElectionContext", "base_hash", "ceremony_context"]

BASE_HASH_TAG = b"zkmed/v1/election-base-hash"
CEREMONY_TAG = b"zkmed/v1/election-ceremony"
DECRYPTION_TAG = b"zkmed/v1/election-decryption"


def ceremony_context(group_name: str, manifest: Manifest, n: int, k: int) -> bytes:
    """The ``context`` every key-ceremony proof binds: a hash of the election id, group, manifest, n and k."""
    w = Writer().bytes_lp(CEREMONY_TAG).text(group_name).bytes_lp(manifest.to_bytes()).u32(n).u32(k)
    return hashlib.sha256(w.finish()).digest()


def base_hash(group_name: str, manifest: Manifest, n: int, k: int, round1: Sequence[bytes], joint_key: bytes) -> bytes:
    """The election base hash (module docstring)."""
    w = Writer().bytes_lp(BASE_HASH_TAG).text(group_name).bytes_lp(manifest.to_bytes()).u32(n).u32(k)
    for payload in round1:
        w.bytes_lp(payload)
    return hashlib.sha256(w.bytes_lp(joint_key).finish()).digest()


@dataclass(frozen=True)
class ElectionContext:
    """What ballots are made and checked against."""

    group: Group
    manifest: Manifest
    key: ElectionKey
    base_hash: bytes
    trustees: int
    quorum: int

    @classmethod
    def make(
        cls, group_name: str, manifest: Manifest, public_key: object, base: bytes, trustees: int, quorum: int
    ) -> ElectionContext:
        group = get_group(group_name)
        return cls(group, manifest, ElectionKey.of(group, public_key), base, trustees, quorum)

    def decryption_context(self) -> bytes:
        """The ``context`` of the trustees' decryption proofs: the base hash under its own label."""
        return Writer().bytes_lp(DECRYPTION_TAG).bytes_lp(self.base_hash).finish()
