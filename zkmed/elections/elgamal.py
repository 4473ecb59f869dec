"""Exponential ElGamal over any zkmed :class:`~zkmed.hazmat.groups.Group` (written additively).

A ciphertext of the small integer ``m`` under the public key ``K = s·G`` with nonce ``r``
is ``(alpha, beta) = (r·G, r·K + m·G)``.  Ciphertexts add component-wise, so the sum of
encryptions of ``m_1, m_2, …`` encrypts ``Σ m_i`` (with the sum of the nonces): the
homomorphic tally.  Decryption recovers ``m·G = beta − s·alpha`` and then ``m`` by a
bounded discrete-log search (``zkmed.elections.dlog``).

Wire form (inside ballots and tallies): ``encode(alpha) ‖ encode(beta)``, ``2·Ne`` bytes;
:meth:`Ciphertext.decode` validates both elements (canonical, in the group / order-q
subgroup) and refuses the identity for either component.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from zkmed.errors import MalformedInput
from zkmed.hazmat.groups import Element, FixedBase, Group

__all__ = ["Ciphertext", "add", "encrypt", "public_key_base", "sum_ciphertexts"]


@dataclass(frozen=True)
class Ciphertext:
    """An exponential-ElGamal ciphertext ``(alpha, beta)``; group elements of one group."""

    alpha: Element
    beta: Element

    def encode(self, group: Group) -> bytes:
        """``encode(alpha) ‖ encode(beta)`` (``2·Ne`` bytes)."""
        return group.encode_element(self.alpha) + group.encode_element(self.beta)

    @classmethod
    def decode(cls, group: Group, data: bytes) -> Ciphertext:
        """Parse and validate ``2·Ne`` bytes; MalformedInput on any invalid or identity component."""
        if not isinstance(data, (bytes, bytearray)):
            raise MalformedInput("ciphertext: expected bytes")
        alpha, beta = group.decode_elements(bytes(data), 2)
        return cls(alpha, beta)

    def eq(self, group: Group, other: Ciphertext) -> bool:
        return group.eq(self.alpha, other.alpha) and group.eq(self.beta, other.beta)


def public_key_base(group: Group, public_key: Element | FixedBase) -> FixedBase:
    """A fixed-base multiplier for the (long-lived) election public key."""
    return public_key if isinstance(public_key, FixedBase) else group.fixed_base(public_key)


def encrypt(group: Group, public_key: Element | FixedBase, m: int, nonce: int) -> Ciphertext:
    """``(nonce·G, nonce·K + m·G)``; ``m`` and ``nonce`` are secrets (constant-time paths).

    ``public_key`` may be the element ``K`` or a :class:`FixedBase` for it (faster when many
    ciphertexts are made under one key).  ``nonce`` must be in ``[1, q)``.
    """
    if not isinstance(m, int) or isinstance(m, bool) or m < 0:
        raise MalformedInput("encrypt: the message must be a non-negative integer")
    if not isinstance(nonce, int) or isinstance(nonce, bool) or not 0 < nonce < group.order:
        raise MalformedInput("encrypt: the nonce must be in [1, q)")
    key = public_key_base(group, public_key)
    alpha = group.mul_gen_secret(nonce)
    beta = group.add(key.mul_secret(nonce), group.mul_gen_secret(m))
    return Ciphertext(alpha, beta)


def add(group: Group, a: Ciphertext, b: Ciphertext) -> Ciphertext:
    """The component-wise sum: encrypts the sum of the two plaintexts."""
    return Ciphertext(group.add(a.alpha, b.alpha), group.add(a.beta, b.beta))


def sum_ciphertexts(group: Group, items: Iterable[Ciphertext]) -> Ciphertext:
    """The sum of ``items``; the identity pair ``(0, 0)`` (an encryption of 0 with nonce 0) for none."""
    cts = list(items)
    return Ciphertext(group.sum([c.alpha for c in cts]), group.sum([c.beta for c in cts]))
