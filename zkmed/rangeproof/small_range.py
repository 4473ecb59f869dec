"""Small ranges by a CDS OR-proof, and automatic choice between it and Bulletproofs.

Statement.  ``C = v·G + r·H`` hides ``v ∈ {lo, lo+1, …, hi}`` (``R + 1 = hi − lo + 1``
values, e.g. a ballot choice ``0..R``).  Equivalently, for *one* ``i``::

    D_i = C − (lo + i)·G = r·H

a discrete log w.r.t. ``H`` — so the proof is a 1-out-of-(R+1) disjunction
of Schnorr proofs (Cramer, Damgård, Schoenmakers, CRYPTO '94, "proofs of
partial knowledge"), made non-interactive with the strong Fiat–Shamir
transform.  For the true index ``k``:

    prover:   for i ≠ k: c_i, s_i ← random,  T_i = s_i·H − c_i·D_i        (simulated)
              T_k = ω·H,  ω ← random
              c   = challenge(statement, T_0, …, T_R)
              c_k = c − Σ_{i≠k} c_i,   s_k = ω + c_k·r
    proof:    (c_0, …, c_R, s_0, …, s_R)
    verifier: T_i = s_i·H − c_i·D_i for every i;  c = challenge(…);  Σ c_i ≟ c

Special soundness: two accepting transcripts with different ``c`` differ in
some ``c_i``, which yields ``r`` with ``D_i = r·H``, i.e. ``v = lo + i``.
Honest-verifier zero knowledge: simulated branches are distributed exactly
as real ones, so the proof hides ``k``.  The transcript absorbs the group and
Pedersen parameters (instance), the caller's context, ``lo``, ``hi``, ``C``
and all ``T_i`` before squeezing ``c``.

Wire format: ``c_0 ‖ … ‖ c_R ‖ s_0 ‖ … ‖ s_R`` — ``2(R+1)·Ns`` bytes
(P-256: 128 bytes for a yes/no choice, 64·(R+1) in general).

Choosing the proof (:func:`prove_in_range_auto`).  The OR proof costs
``R + 1`` two-point MSMs to verify and grows linearly; a Bulletproof for a
small interval (``n = 8``, ``m = 2``, see :mod:`zkmed.rangeproof.ranges`) costs
one ~48-point MSM and 556 bytes.  Measured on P-256 (petlib/OpenSSL, 2-core
x86-64 dev machine; reproduce with ``python -m benchmarks.run --only rangeproof``,
table "small-range OR vs Bulletproofs"):

=========  ===========  ===========  ==============
values     OR verify    BP verify    size OR / BP
=========  ===========  ===========  ==============
2          0.23 ms      1.5 ms       128 / 556 B
8          0.64 ms      1.1 ms       512 / 556 B
14         1.06 ms      1.12 ms      896 / 556 B
15         1.13 ms      1.12 ms      960 / 556 B
17         1.27 ms      1.12 ms      1088 / 556 B
=========  ===========  ===========  ==============

So the OR proof verifies faster up to **14 values** (crossover at 14–15), is
smaller up to 8 values, and always proves faster (≈ 4× at 16 values).  As
verification is done by many parties and proving once, the automatic rule
takes the OR proof for ranges of at most :data:`OR_MAX_VALUES` = 14 values
(``hi − lo ≤ 13``) and Bulletproofs above; :data:`OR_HARD_LIMIT` caps the OR
proof at 64 values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zkmed.commitments import PedersenParams
from zkmed.encoding import Writer
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.groups import Element, Group
from zkmed.rangeproof.generators import DEFAULT_GENS_LABEL
from zkmed.rangeproof.proof import RangeProof, commit, msm_g, resolve_params
from zkmed.rangeproof.ranges import interval_layout, prove_interval, signed_bytes, verify_interval
from zkmed.transcript import Transcript

PROTOCOL_TAG = b"zkmed/v1/small-range-or"
#: ranges of at most this many values use the OR proof in the ``*_auto`` functions (measured crossover)
OR_MAX_VALUES = 14
#: the OR proof refuses ranges with more values than this
OR_HARD_LIMIT = 64


@dataclass(frozen=True, eq=False)
class SmallRangeProof:
    """``(c_0..c_R, s_0..s_R)`` of the CDS OR-proof; see the module docstring."""

    group: Group
    challenges: tuple[int, ...]
    responses: tuple[int, ...]

    @property
    def branches(self) -> int:
        return len(self.challenges)

    def to_bytes(self) -> bytes:
        return self.group.encode_scalars([*self.challenges, *self.responses])

    @classmethod
    def from_bytes(cls, group: Group, data: bytes, *, branches: int | None = None) -> SmallRangeProof:
        """Parse; the length fixes ``R + 1`` (or must equal ``branches`` when given)."""
        if not isinstance(data, (bytes, bytearray)):
            raise MalformedInput("small-range proof: expected bytes")
        per = 2 * group.scalar_size
        count, rest = divmod(len(data), per)
        if rest or not 2 <= count <= OR_HARD_LIMIT or (branches is not None and count != branches):
            raise MalformedInput(f"small-range proof: {len(data)} bytes is not a valid length")
        scalars = group.decode_scalars(bytes(data), 2 * count)
        return cls(group, tuple(scalars[:count]), tuple(scalars[count:]))

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


def _transcript(p: PedersenParams, context: bytes, lo: int, hi: int, commitment: Element) -> Transcript:
    g = p.group
    if not isinstance(context, (bytes, bytearray)):
        raise MalformedInput("context must be bytes")
    instance = Writer().bytes_lp(PROTOCOL_TAG).raw(p.encode()).finish()
    t = Transcript(PROTOCOL_TAG + b"/" + g.name.encode(), instance)
    t.append_message(b"context", bytes(context))
    t.append_message(b"lo", signed_bytes(lo))
    t.append_message(b"hi", signed_bytes(hi))
    t.append_elements(b"C", g, [commitment])
    return t


def _shifted(p: PedersenParams, commitment: Element, lo: int, count: int) -> list[Element]:
    """``D_i = C − (lo + i)·G`` for ``i < count``: one MSM, then one subtraction each."""
    g = p.group
    d = [msm_g(p, -lo, [1], [commitment])]
    for _ in range(count - 1):
        d.append(g.sub(d[-1], p.g))
    return d


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

    ``rng`` (tests only) is called, for ``i = 0..R`` in order, twice (``c_i``,
    ``s_i``) for a simulated branch and once (``ω``) for the real one.
    Raises :class:`ProvingError` for a value outside the range or a
    commitment that does not open to ``(value, blinding)``.
    """
    p = resolve_params(params)
    g, q = p.group, p.group.order
    count = _check_range(lo, hi, ProvingError)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ProvingError(f"value is outside [{lo}, {hi}]; refusing to prove")
    r = int(blinding) % q
    if not g.eq(commitment, commit(value, r, p)):
        raise ProvingError("the commitment does not open to the given value and blinding")
    rand = rng if rng is not None else g.random_scalar
    k = value - lo
    d = _shifted(p, commitment, lo, count)
    cs = [0] * count
    ss = [0] * count
    ts: list[Element] = []
    omega = 0
    for i in range(count):
        if i == k:
            omega = rand() % q
            ts.append(g.msm([omega], [p.h]))
        else:
            cs[i], ss[i] = rand() % q, rand() % q
            ts.append(g.msm([ss[i], q - cs[i]], [p.h, d[i]]))
    t = _transcript(p, context, lo, hi, commitment)
    t.append_elements(b"T", g, ts)
    c = t.challenge_scalar(q, b"c")
    cs[k] = (c - sum(cs)) % q
    ss[k] = (omega + cs[k] * r) % q
    return SmallRangeProof(g, tuple(cs), tuple(ss))


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
    g, q = p.group, p.group.order
    if not isinstance(proof, SmallRangeProof):
        raise MalformedInput("verify_small_range: expected a SmallRangeProof")
    count = _check_range(lo, hi, VerificationError)
    if proof.group.name != g.name:
        raise VerificationError(f"proof is for group {proof.group.name}, parameters for {g.name}")
    if proof.branches != count or len(proof.responses) != count:
        raise VerificationError(f"proof has {proof.branches} branches, the range has {count} values")
    if g.is_identity(commitment):
        raise VerificationError("the commitment is the identity")
    d = _shifted(p, commitment, lo, count)
    ts = [g.msm([s, q - c], [p.h, di]) for s, c, di in zip(proof.responses, proof.challenges, d, strict=True)]
    t = _transcript(p, context, lo, hi, commitment)
    t.append_elements(b"T", g, ts)
    if t.challenge_scalar(q, b"c") != sum(proof.challenges) % q:
        raise VerificationError("small-range proof does not verify")


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
    "verify_in_range_auto",
    "verify_small_range",
]
