"""Public-exponent arithmetic in the ElectionGuard group, on zkmed's ``EG4096`` backend (gmpy2).

Every exponent here is public (challenges and responses of published proofs, tally values); nothing secret passes
through this module.  :class:`Arith` has one interface and two modes:

* ``fast=True`` (what the verifier uses): ``g^e`` from the backend's fixed-base table (``EG4096.mul_gen``), ``K^e``
  from the backend's table for the joint key (`EG4096.fixed_base(K)`), ``x^e0, x^e1`` for one variable base by shared
  squarings (Yao's method, 4-bit digits: ≈ 1.6× faster than two ``powmod``; the chain ``x^(2^(4i))`` is an
  object of its own, so a contest's ``ᾱ = Π α_i`` gets its chain as the product of its selections' chains,
  :meth:`Arith.chain_product`, instead of 252 squarings), ``x^a·y^b`` by simultaneous
  4-bit windows (Straus), and subgroup membership of many elements in one batch (:meth:`Arith.check_subgroup`);
* ``fast=False``: one ``gmpy2.powmod`` per exponentiation and per membership test (``x^q = 1``): the
  straightforward loop the benchmark compares against.

**Batched subgroup membership** (Verifications 2.A, 3.A, 5.A, 6.A; "elements in Z_p^r").  For the standard
parameters ``p - 1 = 2·q·r'`` with ``r'`` prime (checked by the test suite).  ``x`` lies in the order-``q``
subgroup iff it is a quadratic residue (Legendre symbol 1: its order-2 part is trivial) and ``x^q = 1`` on the
quadratic residues, whose group has order ``q·r'``.  After every element of a batch has been read, weights ``w_i``
are drawn uniformly from ``[1, 2^128)`` (``secrets``) and the check is ``(Π x_i^w_i)^q = 1``: if some quadratic
residue ``x_j`` has a non-trivial component in the order-``r'`` quotient (a group of prime order ``r' > 2^128``),
then for any fixed other weights at most one value of ``w_j`` modulo ``r'`` passes, so a bad batch passes with
probability at most ``2^-128``.  Cost per element: one Jacobi symbol (≈ 25 µs) and ≈ 26 products in a Pippenger MSM
instead of one 256-bit ``powmod`` (≈ 1.5 ms), with batches of a few hundred elements (a worker's batch of ballot
files).  When a batch fails, each element is tested alone to name the culprit.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import gmpy2
from gmpy2 import mpz

from zkmed.errors import MalformedInput
from zkmed.hazmat.groups import FixedBase, get_group
from zkmed.hazmat.groups.modp_gmpy2 import ModPGroup

__all__ = ["WEIGHT_BITS", "Arith", "eg_group"]

#: bits of the random weights of the batched subgroup test (soundness error ≤ 2^-WEIGHT_BITS)
WEIGHT_BITS = 128
_YAO_WIDTH = 4


def eg_group() -> ModPGroup:
    """zkmed's ``EG4096`` group (the ElectionGuard 2.x standard parameters)."""
    group = get_group("EG4096")
    if not isinstance(group, ModPGroup):  # pragma: no cover - the registry maps EG4096 to ModPGroup
        raise MalformedInput("EG4096 is not a gmpy2 group")
    return group


class Arith:
    """Exponentiations for one record (joint key ``K``); ``fast`` selects the method (module docstring)."""

    def __init__(self, joint_key: int | None = None, *, fast: bool = True) -> None:
        self.group = eg_group()
        self.p = mpz(self.group.modulus)
        self.q = self.group.order
        self.g = mpz(self.group.generator())
        self.fast = fast
        self.joint_key = mpz(joint_key) if joint_key is not None else None
        self._k_table: FixedBase | None = None
        if fast:
            self.group.mul_gen(1)  # build the backend's g table now (once per process; inherited by forked workers)
            if self.joint_key is not None:
                self._k_table = self.group.fixed_base(self.joint_key)  # the backend's byte-digit table

    # ------------------------------------------------------------- exponentiations

    def g_pow(self, e: int) -> Any:
        """``g^e``."""
        if self.fast:
            return self.group.mul_gen(e)
        return gmpy2.powmod(self.g, e, self.p)

    def k_pow(self, e: int) -> Any:
        """``K^e`` for the record's joint key."""
        if self._k_table is not None:
            return self._k_table.mul(e)
        if self.joint_key is None:
            raise MalformedInput("no joint key for this record")
        return gmpy2.powmod(self.joint_key, e, self.p)

    def pow(self, base: Any, e: int) -> Any:
        """``base^e`` for one variable base (``base`` in the subgroup, so ``e`` may be reduced mod q)."""
        return gmpy2.powmod(base, e, self.p)

    def pow_many(self, base: Any, exps: Sequence[int]) -> list[Any]:
        """``[base^e for e in exps]`` (``base`` in the subgroup); fast mode shares the squarings (Yao's method)."""
        if not self.fast or len(exps) < 2:
            return [gmpy2.powmod(base, e, self.p) for e in exps]
        return self.pow_chain(self.chain(base), exps)

    def chain(self, base: Any) -> list[Any]:
        """Yao's chain ``[base^(2^(4·i)) for i < 64]``: 252 squarings, shared by every exponent of ``base``."""
        p, w = self.p, _YAO_WIDTH
        powers = [base]
        x = base
        for _ in range((self.q.bit_length() + w - 1) // w - 1):
            for _ in range(w):
                x = x * x % p
            powers.append(x)
        return powers

    def chain_product(self, chains: Sequence[Sequence[Any]]) -> list[Any]:
        """The chain of ``Π bases`` from the bases' chains: ``(Π x_s)^(2^(4i)) = Π x_s^(2^(4i))``.

        ``len(chains) - 1`` products per entry instead of 4 squarings: cheaper for up to 4 bases (a contest's
        ``ᾱ = Π α_i`` from its selections' chains, Verification 6); more bases get a chain of their own.
        """
        if len(chains) > _YAO_WIDTH:
            base = chains[0][0]
            for other in chains[1:]:
                base = base * other[0] % self.p
            return self.chain(base)
        p, out = self.p, list(chains[0])
        for other in chains[1:]:
            out = [a * b % p for a, b in zip(out, other, strict=True)]
        return out

    def pow_chain(self, powers: Sequence[Any], exps: Sequence[int]) -> list[Any]:
        """``[base^e for e in exps]`` from ``base``'s :meth:`chain`: per exponent, 4-bit digits into 15 buckets
        (≈ 60 products), then ``Π_d bucket_d^d`` by running products (≤ 30)."""
        p, q, w = self.p, self.q, _YAO_WIDTH
        mask = (1 << w) - 1
        out = []
        for e in exps:
            e %= q
            buckets: list[Any] = [None] * (mask + 1)
            for i, x in enumerate(powers):
                d = (e >> (w * i)) & mask
                if d:
                    cur = buckets[d]
                    buckets[d] = x if cur is None else cur * x % p
            running = acc = None  # running = Π_{j >= d} bucket_j ; acc = Π_d running
            for d in range(mask, 0, -1):
                bucket = buckets[d]
                if bucket is not None:
                    running = bucket if running is None else running * bucket % p
                if running is not None:
                    acc = running if acc is None else acc * running % p
            out.append(mpz(1) if acc is None else acc)
        return out

    def pow2(self, b1: Any, e1: int, b2: Any, e2: int) -> Any:
        """``b1^e1 · b2^e2`` (both bases in the subgroup)."""
        if self.fast:
            return self._straus2(b1, e1 % self.q, b2, e2 % self.q)
        return gmpy2.powmod(b1, e1, self.p) * gmpy2.powmod(b2, e2, self.p) % self.p

    def _straus2(self, b1: Any, e1: int, b2: Any, e2: int) -> Any:
        """``b1^e1 · b2^e2`` by simultaneous 4-bit windows (Straus; HAC Alg. 14.88), written out for two bases."""
        p, w = self.p, _YAO_WIDTH
        mask = (1 << w) - 1
        t1, t2 = [mpz(1), b1], [mpz(1), b2]
        for _ in range(mask - 1):
            t1.append(t1[-1] * b1 % p)
            t2.append(t2[-1] * b2 % p)
        acc = None
        for i in range((max(e1.bit_length(), e2.bit_length(), 1) + w - 1) // w - 1, -1, -1):
            if acc is not None:
                for _ in range(w):
                    acc = acc * acc % p
            d1, d2 = (e1 >> (w * i)) & mask, (e2 >> (w * i)) & mask
            if d1:
                acc = t1[d1] if acc is None else acc * t1[d1] % p
            if d2:
                acc = t2[d2] if acc is None else acc * t2[d2] % p
        return mpz(1) if acc is None else acc

    def inverse(self, x: Any) -> Any:
        return gmpy2.invert(x, self.p)

    # ------------------------------------------------------------- subgroup membership

    def in_subgroup(self, x: Any) -> bool:
        """``x^q = 1`` for one element already known to be in ``[1, p)``."""
        return bool(gmpy2.powmod(x, self.q, self.p) == 1)

    def _combine(self, weights: list[int], bases: list[Any]) -> Any:
        """``Π bases[i]^weights[i]`` for weights below ``2^WEIGHT_BITS``: the bucket method (Pippenger) over those
        bits only, with the window that minimises ``(bits / w)·(n + 2^(w+1))`` products."""
        p, n, bits = self.p, len(bases), WEIGHT_BITS
        w = min(range(2, 10), key=lambda w: -(-bits // w) * (n + (2 << w)))
        mask = (1 << w) - 1
        acc = None
        for i in range(-(-bits // w) - 1, -1, -1):
            if acc is not None:
                for _ in range(w):
                    acc = acc * acc % p
            buckets: list[Any] = [None] * (mask + 1)
            shift = i * w
            for k, b in zip(weights, bases, strict=True):
                d = (k >> shift) & mask
                if d:
                    cur = buckets[d]
                    buckets[d] = b if cur is None else cur * b % p
            running = out = None
            for d in range(mask, 0, -1):
                bucket = buckets[d]
                if bucket is not None:
                    running = bucket if running is None else running * bucket % p
                if running is not None:
                    out = running if out is None else out * running % p
            if out is not None:
                acc = out if acc is None else acc * out % p
        return mpz(1) if acc is None else acc

    def check_subgroup(self, items: Sequence[tuple[Any, str]]) -> None:
        """Raise :class:`MalformedInput` naming an element of ``items`` (value, where) outside the order-q subgroup.

        Fast mode: Legendre symbols, then one random linear combination (module docstring); plain mode: ``x^q``."""
        if not self.fast:
            for x, where in items:
                if not self.in_subgroup(x):
                    raise MalformedInput(f"{where}: element is not in the order-q subgroup")
            return
        p = self.p
        for x, where in items:
            if gmpy2.jacobi(x, p) != 1:
                raise MalformedInput(f"{where}: element is not in the order-q subgroup (not a quadratic residue)")
        if not items:
            return
        weights = [secrets.randbelow((1 << WEIGHT_BITS) - 1) + 1 for _ in items]  # drawn after reading everything
        combined = self._combine(weights, [x for x, _ in items])
        if not self.in_subgroup(combined):
            for x, where in items:
                if not self.in_subgroup(x):
                    raise MalformedInput(f"{where}: element is not in the order-q subgroup")
            raise MalformedInput("a batch of elements failed the subgroup test")  # pragma: no cover - prob ≤ 2^-128
