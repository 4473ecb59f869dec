"""Small ranges by a CDS OR-proof, and automatic choice between it and Bulletproofs.

Statement.  ``C = v·G + r·H`` hides ``v ∈ {lo, lo+1, …, hi}`` (``R + 1 = hi − lo + 1``
values, e.g. a ballot choice ``0..R``).  That is membership in the consecutive
set ``{lo, …, hi}``: for *one* ``i``::

    D_i = C − (lo + i)·G = r·H

so the proof is the shared CDS94 OR proof (Cramer, Damgård, Schoenmakers,
CRYPTO '94) of :mod:`zkmed.hazmat.sigma.compose` over the statement of
:func:`circuits.membership.consecutive`::

    PK{(r): D_0 = r·H ∨ … ∨ D_R = r·H}

This module only adds the range checks, the tag and the proof object; the
prover, the verifier, the Fiat–Shamir transcript and the byte layout are
those of :func:`~zkmed.hazmat.sigma.compose.prove_or` / :func:`~zkmed.hazmat.sigma.compose.verify_or`
(see there and ``docs/or-proofs.md`` for the protocol and its soundness and
zero-knowledge arguments).  The transcript binds the whole statement: the
OR instance holds ``H`` and every ``D_i``; the tag (the session id) holds
the ciphersuite (group), the Pedersen parameters (``G``, ``H``), the caller's
context, ``lo``, ``hi`` and ``C`` (:func:`statement_tag`).

Wire format (compose's compact OR layout, one response per branch)::

    c ‖ c_0 ‖ … ‖ c_{R−1} ‖ s_0 ‖ … ‖ s_R          c_R = c − Σ_{i<R} c_i

``2(R+1)·Ns`` bytes (P-256: 128 bytes for a yes/no choice, 64·(R+1) in general).

Choosing the proof (:func:`prove_in_range_auto`).  The OR proof costs
``R + 1`` two-point MSMs to verify and grows linearly; a Bulletproof for a
small interval (``n = 8``, ``m = 2``, see :mod:`zkmed.proofs.ranges`) costs
one ~48-point MSM and 556 bytes.  Measured on P-256 (petlib/OpenSSL, 2-core
x86-64 dev machine; reproduce with ``python -m benchmarks.run --only rangeproof``,
table "small-range OR vs Bulletproofs"):

=========  ===========  ===========  ===========  ==============
values     OR prove     OR verify    BP verify    size OR / BP
=========  ===========  ===========  ===========  ==============
2          0.43 ms      0.29 ms      1.03 ms      128 / 556 B
8          1.23 ms      0.87 ms      1.01 ms      512 / 556 B
9          1.35 ms      0.96 ms      1.02 ms      576 / 556 B
10         1.50 ms      1.07 ms      1.03 ms      640 / 556 B
14         2.01 ms      1.45 ms      1.03 ms      896 / 556 B
=========  ===========  ===========  ===========  ==============

(Bulletproof proving: ≈ 4.4 ms at every size here.)  So the OR proof
verifies faster up to **9 values** (crossover at 9–10), is smaller up to 8
values, and always proves faster (≈ 3× at 10 values).  As verification is
done by many parties and proving once, the automatic rule takes the OR proof
for ranges of at most :data:`OR_MAX_VALUES` = 9 values (``hi − lo ≤ 8``) and
Bulletproofs above; :data:`OR_HARD_LIMIT` caps the OR proof at 64 values.
The shared OR verifier costs about 0.4 ms more than the former dedicated one
at 14 values (it rebuilds and serializes one relation per branch for the
instance), which moved the crossover down from 14–15 values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zkmed.circuits import membership
from zkmed.encoding import Writer
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.bulletproofs.generators import DEFAULT_GENS_LABEL
from zkmed.hazmat.bulletproofs.proof import RangeProof, resolve_params
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import Element, Group
from zkmed.hazmat.sigma.compose import full_tag, prove_or, verify_or
from zkmed.hazmat.sigma.relation import LinearRelation
from zkmed.proofs.ranges import interval_layout, prove_interval, signed_bytes, verify_interval

PROTOCOL_TAG = b"zkmed/v1/small-range-membership"
#: ranges of at most this many values use the OR proof in the ``*_auto`` functions (measured crossover)
OR_MAX_VALUES = 9
#: the OR proof refuses ranges with more values than this
OR_HARD_LIMIT = 64


@dataclass(frozen=True, eq=False)
class SmallRangeProof:
    """The branch challenges ``c_0..c_R`` and responses ``s_0..s_R`` of the OR proof.

    :meth:`to_bytes` writes compose's compact layout (``c = Σ c_i`` first,
    ``c_R`` implied); :meth:`from_bytes` is its strict inverse.
    """

    group: Group
    challenges: tuple[int, ...]
    responses: tuple[int, ...]

    @property
    def branches(self) -> int:
        return len(self.challenges)

    @property
    def challenge(self) -> int:
        """The Fiat–Shamir challenge ``c = Σ c_i mod q``."""
        return sum(self.challenges) % self.group.order

    def to_bytes(self) -> bytes:
        return self.group.encode_scalars([self.challenge, *self.challenges[:-1], *self.responses])

    @classmethod
    def from_bytes(cls, group: Group, data: bytes, *, branches: int | None = None) -> SmallRangeProof:
        """Parse; the length fixes ``R + 1`` (or must equal ``branches`` when given)."""
        if not isinstance(data, (bytes, bytearray)):
            raise MalformedInput("small-range proof: expected bytes")
        per = 2 * group.scalar_size
        count, rest = divmod(len(data), per)
        if rest or not 2 <= count <= OR_HARD_LIMIT or (branches is not None and count != branches):
            raise MalformedInput(f"small-range proof: {len(data)} bytes is not a valid length")
        s = group.decode_scalars(bytes(data), 2 * count)
        last = (s[0] - sum(s[1:count])) % group.order
        return cls(group, (*s[1:count], last), tuple(s[count:]))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, SmallRangeProof)
            and self.group.name == other.group.name
            and self.to_bytes() == other.to_bytes()
        )

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return f"SmallRangeProof({self.group.name}, branches={self.branches})"


def _check_range(lo: int, hi: int, err: type[Exception]) -> int:
    for x in (lo, hi):
        if not isinstance(x, int) or isinstance(x, bool) or not -(1 << 128) < x < 1 << 128:
            raise err("range bounds must be integers with absolute value < 2^128")
    if not 1 <= hi - lo < OR_HARD_LIMIT:
        raise err(f"small-range proofs need 2..{OR_HARD_LIMIT} values, got [{lo}, {hi}]")
    return hi - lo + 1


def statement_tag(p: PedersenParams, context: bytes, lo: int, hi: int, commitment: Element) -> bytes:
    """The OR proof's tag: ``PROTOCOL_TAG``, parameters, context, ``lo``, ``hi``, ``C``; completed by ``full_tag``."""
    g = p.group
    if not isinstance(context, (bytes, bytearray)):
        raise MalformedInput("context must be bytes")
    w = Writer().bytes_lp(PROTOCOL_TAG).bytes_lp(p.encode()).bytes_lp(bytes(context))
    w.bytes_lp(signed_bytes(lo)).bytes_lp(signed_bytes(hi)).bytes_lp(g.encode_element(commitment))
    return full_tag(w.finish(), b"CDSOR", g)


def _statement(
    p: PedersenParams, context: bytes, lo: int, hi: int, commitment: Element
) -> tuple[bytes, list[LinearRelation]]:
    """``(tag, branch relations)``; MalformedInput for an invalid statement (e.g. a ``D_i`` at the identity)."""
    tag = statement_tag(p, context, lo, hi, commitment)
    return tag, membership.consecutive(p, commitment, lo, hi).relations()


def prove_small_range(
    commitment: Element,
    value: int,
    blinding: Any,
    lo: int,
    hi: int,
    *,
    params: PedersenParams | None = None,
    context: bytes = b"",
    rng: Callable[[], int] | None = None,
) -> SmallRangeProof:
    """Prove ``commitment`` hides a value in ``[lo, hi]`` (at most 64 values).

    ``rng`` (tests only) is passed to :func:`~zkmed.hazmat.sigma.compose.prove_or`:
    it is called ``2(R+1)`` times, the nonces of branches ``0..R`` then their
    simulated challenges, and must return scalars in ``[0, q)``.
    Raises :class:`ProvingError` for a value outside the range, a commitment
    that does not open to ``(value, blinding)``, or a degenerate statement
    (blinding 0, which puts a ``D_i`` at the identity).
    """
    p = resolve_params(params)
    g, q = p.group, p.group.order
    _check_range(lo, hi, ProvingError)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ProvingError(f"value is outside [{lo}, {hi}]; refusing to prove")
    try:
        tag, relations = _statement(p, context, lo, hi, commitment)
    except MalformedInput as exc:
        raise ProvingError(f"small-range proof: cannot prove an invalid statement: {exc.message}") from exc
    data = prove_or(tag, relations, value - lo, [int(blinding) % q], rng)
    return SmallRangeProof.from_bytes(g, data)


def verify_small_range(
    proof: SmallRangeProof,
    commitment: Element,
    lo: int,
    hi: int,
    *,
    params: PedersenParams | None = None,
    context: bytes = b"",
) -> None:
    """Check the OR proof; None or :class:`VerificationError`."""
    p = resolve_params(params)
    g = p.group
    if not isinstance(proof, SmallRangeProof):
        raise MalformedInput("verify_small_range: expected a SmallRangeProof")
    count = _check_range(lo, hi, VerificationError)
    if proof.group.name != g.name:
        raise VerificationError(f"proof is for group {proof.group.name}, parameters for {g.name}")
    if proof.branches != count or len(proof.responses) != count:
        raise VerificationError(f"proof has {proof.branches} branches, the range has {count} values")
    if g.is_identity(commitment):
        raise VerificationError("the commitment is the identity")
    try:
        tag, relations = _statement(p, context, lo, hi, commitment)
        data = proof.to_bytes()
    except MalformedInput as exc:
        raise VerificationError(f"small-range proof rejected: {exc.message}") from exc
    try:
        verify_or(tag, relations, data)
    except VerificationError as exc:
        raise VerificationError(f"small-range proof does not verify: {exc.message}") from exc


# ------------------------------------------------------------------ automatic choice


def auto_method(lo: int, hi: int) -> str:
    """``"or"`` for at most :data:`OR_MAX_VALUES` values, else ``"bulletproofs"``."""
    if not isinstance(lo, int) or not isinstance(hi, int) or hi < lo:
        raise MalformedInput(f"invalid range [{lo}, {hi}]")
    return "or" if 2 <= hi - lo + 1 <= OR_MAX_VALUES else "bulletproofs"


def prove_in_range_auto(
    commitment: Element,
    value: int,
    blinding: Any,
    lo: int,
    hi: int,
    *,
    params: PedersenParams | None = None,
    context: bytes = b"",
    gens_label: bytes = DEFAULT_GENS_LABEL,
    rng: Callable[[], int] | None = None,
) -> SmallRangeProof | RangeProof:
    """Prove ``value ∈ [lo, hi]`` with the cheaper construction for the range size (see module docstring)."""
    if auto_method(lo, hi) == "or":
        return prove_small_range(commitment, value, blinding, lo, hi, params=params, context=context, rng=rng)
    return prove_interval(
        commitment, value, blinding, lo, hi, params=params, context=context, gens_label=gens_label, rng=rng
    )


def verify_in_range_auto(
    proof: SmallRangeProof | RangeProof | bytes,
    commitment: Element,
    lo: int,
    hi: int,
    *,
    params: PedersenParams | None = None,
    context: bytes = b"",
    gens_label: bytes = DEFAULT_GENS_LABEL,
) -> None:
    """Verify a proof from :func:`prove_in_range_auto` (object or bytes); the range fixes the kind."""
    p = resolve_params(params)
    try:
        method = auto_method(lo, hi)
    except MalformedInput as exc:
        raise VerificationError(f"invalid range: {exc.message}") from exc
    if method == "or":
        if isinstance(proof, (bytes, bytearray)):
            proof = SmallRangeProof.from_bytes(p.group, proof, branches=hi - lo + 1)
        if not isinstance(proof, SmallRangeProof):
            raise VerificationError("this range is proven with a small-range OR proof")
        verify_small_range(proof, commitment, lo, hi, params=p, context=context)
        return
    if isinstance(proof, (bytes, bytearray)):
        n, m = interval_layout(lo, hi)
        proof = RangeProof.from_bytes(p.group, proof, n=n, m=m)
    if not isinstance(proof, RangeProof):
        raise VerificationError("this range is proven with a Bulletproof")
    verify_interval(proof, commitment, lo, hi, params=p, context=context, gens_label=gens_label)


__all__ = [
    "OR_HARD_LIMIT",
    "OR_MAX_VALUES",
    "SmallRangeProof",
    "auto_method",
    "prove_in_range_auto",
    "prove_small_range",
    "statement_tag",
    "verify_in_range_auto",
    "verify_small_range",
]
