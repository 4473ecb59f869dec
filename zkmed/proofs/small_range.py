"""Small ranges by a CDS OR-proof, and automatic choice between it and Bulletproofs.

``C = v·G + r·H`` hides ``v ∈ {lo, …, hi}``: ``PK{(r): D_0 = r·H ∨ … ∨ D_R = r·H}`` with
``D_i = C − (lo + i)·G`` (:func:`zkmed.circuits.membership.consecutive_elements`, proven
by :func:`~zkmed.hazmat.sigma.compose.prove_or`).  This module adds the range checks,
the tag (:func:`statement_tag`) and the proof object; :func:`prove_in_range` takes the
OR proof for at most :data:`OR_MAX_VALUES` values and Bulletproofs above.  What the
transcript binds, the wire format and the measured choice: ``docs/rangeproofs.md``
§"Small ranges by OR composition"; layout: ``docs/formats.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zkmed.circuits import membership
from zkmed.encoding import Writer
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.formats import RANGE_PROOF, SMALL_RANGE_PROOF, peek
from zkmed.hazmat.bulletproofs.bulletproofs import RangeProof
from zkmed.hazmat.bulletproofs.generators import DEFAULT_GENS_LABEL
from zkmed.hazmat.checks import (
    ByteEquality,
    canonical_scalar,
    prover_inputs,
    require_bytes,
    require_int,
    require_params,
    same_group,
    verifier_inputs,
)
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import Element, Group
from zkmed.hazmat.sigma.compose import full_tag, prove_or, verify_or
from zkmed.hazmat.sigma.relation import LinearRelation
from zkmed.proofs.ranges import bounded_int, prove_interval, signed_bytes, verify_interval

PROTOCOL_TAG = b"zkmed/v1/small-range-membership"
#: ranges of at most this many values use the OR proof in :func:`prove_in_range` (measured crossover)
OR_MAX_VALUES = 9
#: the OR proof refuses ranges with more values than this
OR_HARD_LIMIT = 64


@dataclass(frozen=True, eq=False)
class SmallRangeProof(ByteEquality):
    """The branch challenges ``c_0..c_R`` and responses ``s_0..s_R`` of the OR proof.

    :meth:`to_bytes` writes the header and compose's compact layout
    (``c = Σ c_i`` first, ``c_R`` implied); :meth:`from_bytes` is its strict inverse.
    """

    group: Group
    challenges: tuple[int, ...]
    responses: tuple[int, ...]

    @property
    def branches(self) -> int:
        """``R + 1``; 0 for an object whose challenges are not a sequence (the verifier refuses it)."""
        return len(self.challenges) if isinstance(self.challenges, (tuple, list)) else 0

    def body(self, group: Group, err: type[Exception] = MalformedInput) -> bytes:
        """The compact OR layout after checking every field for ``group``; ``err`` for an invalid object."""
        same_group(group, self.group, "the small-range proof", err)
        cs, ss = self.challenges, self.responses
        if not isinstance(cs, (tuple, list)) or not isinstance(ss, (tuple, list)):
            raise err("small-range proof: challenges and responses must be sequences of scalars")
        if len(cs) != len(ss) or not 2 <= len(cs) <= OR_HARD_LIMIT:
            raise err(f"small-range proof: {len(cs)} challenges and {len(ss)} responses")
        for i, c in enumerate(cs):
            canonical_scalar(group, c, f"small-range challenge c_{i}", err)
        for i, r in enumerate(ss):
            canonical_scalar(group, r, f"small-range response s_{i}", err)
        return group.encode_scalars([sum(cs) % group.order, *cs[:-1], *ss])

    def to_bytes(self) -> bytes:
        if not isinstance(self.group, Group):
            raise MalformedInput("small-range proof: no group")
        return SMALL_RANGE_PROOF.wrap(self.body(self.group))

    @classmethod
    def from_bytes(cls, group: Group, data: Any, *, branches: int | None = None) -> SmallRangeProof:
        """Parse ``SMALL_RANGE_PROOF`` bytes; the length fixes ``R + 1`` (or must equal ``branches`` when given)."""
        if not isinstance(group, Group):
            raise MalformedInput(f"small-range proof: expected a Group, got {type(group).__name__}")
        return cls._from_body(group, SMALL_RANGE_PROOF.unwrap(data), branches)

    @classmethod
    def _from_body(cls, group: Group, body: bytes, branches: int | None) -> SmallRangeProof:
        per = 2 * group.scalar_size
        count, rest = divmod(len(body), per)
        if rest or not 2 <= count <= OR_HARD_LIMIT or (branches is not None and count != branches):
            raise MalformedInput(f"small-range proof: a {len(body)}-byte body is not a valid length")
        s = group.decode_scalars(body, 2 * count)
        last = (s[0] - sum(s[1:count])) % group.order
        return cls(group, (*s[1:count], last), tuple(s[count:]))

    def __repr__(self) -> str:
        name = self.group.name if isinstance(self.group, Group) else "?"
        branches = len(self.challenges) if isinstance(self.challenges, (tuple, list)) else "?"
        return f"SmallRangeProof({name}, branches={branches})"


def _check_range(lo: Any, hi: Any, err: type[Exception]) -> int:
    """Types (MalformedInput), then ``|lo|, |hi| < 2^128`` and ``2 ≤ hi − lo + 1 ≤ OR_HARD_LIMIT`` (``err``)."""
    require_int(lo, "lo")
    require_int(hi, "hi")
    bounded_int(lo, "lo", err)
    bounded_int(hi, "hi", err)
    if not 1 <= hi - lo < OR_HARD_LIMIT:
        raise err(f"small-range proofs need 2..{OR_HARD_LIMIT} values, got [{lo}, {hi}]")
    return int(hi - lo + 1)


def statement_tag(p: PedersenParams, context: bytes, lo: int, hi: int, commitment: Element) -> bytes:
    """The OR proof's tag: ``PROTOCOL_TAG``, parameters, context, ``lo``, ``hi``, ``C``; completed by ``full_tag``."""
    g = p.group
    w = Writer().bytes_lp(PROTOCOL_TAG).bytes_lp(p.encode()).bytes_lp(require_bytes(context, "context"))
    w.bytes_lp(signed_bytes(lo)).bytes_lp(signed_bytes(hi)).bytes_lp(g.encode_element(commitment))
    return full_tag(w.finish(), b"CDSOR", g)


def _statement(
    p: PedersenParams, context: bytes, lo: int, hi: int, commitment: Element
) -> tuple[bytes, list[LinearRelation]]:
    """``(tag, branch relations)``; MalformedInput for an invalid statement (e.g. a ``D_i`` at the identity)."""
    tag = statement_tag(p, context, lo, hi, commitment)
    return tag, membership.disjunction(hi - lo + 1).bind(
        p.group, membership.consecutive_elements(p, commitment, lo, hi)
    )


def prove_small_range(
    params: PedersenParams,
    commitment: Element,
    lo: int,
    hi: int,
    value: int,
    blinding: Any,
    *,
    context: bytes,
    rng: Callable[[], int] | None = None,
) -> SmallRangeProof:
    """Prove ``commitment`` hides a value in ``[lo, hi]`` (at most 64 values).

    ``rng`` (tests only; :func:`~zkmed.hazmat.sigma.compose.prove_or`) is called
    ``2(R+1)`` times: the branch nonces, then the simulated challenges.
    MalformedInput for wrong argument types or an invalid range; ProvingError for
    a value outside it, a commitment that does not open, or a degenerate
    statement (a ``D_i`` at the identity).
    """
    p, v, r, context = prover_inputs(params, commitment, value, blinding, context)
    _check_range(lo, hi, MalformedInput)
    if not lo <= v <= hi:
        raise ProvingError(f"value is outside [{lo}, {hi}]; refusing to prove")
    try:
        tag, relations = _statement(p, context, lo, hi, commitment)
    except MalformedInput as exc:
        raise ProvingError(f"small-range proof: cannot prove an invalid statement: {exc.message}") from exc
    data = prove_or(tag, relations, v - lo, [r], rng)
    return SmallRangeProof._from_body(p.group, data, hi - lo + 1)


def verify_small_range(
    params: PedersenParams,
    commitment: Element,
    lo: int,
    hi: int,
    proof: SmallRangeProof,
    *,
    context: bytes,
) -> None:
    """Check the OR proof; None or :class:`VerificationError` (MalformedInput for wrong argument types)."""
    p, context = verifier_inputs(params, commitment, proof, SmallRangeProof, context)
    count = _check_range(lo, hi, VerificationError)
    body = proof.body(p.group, VerificationError)
    if proof.branches != count:
        raise VerificationError(f"proof has {proof.branches} branches, the range has {count} values")
    try:
        tag, relations = _statement(p, context, lo, hi, commitment)
    except MalformedInput as exc:
        raise VerificationError(f"small-range proof rejected: {exc.message}") from exc
    try:
        verify_or(tag, relations, body)
    except VerificationError as exc:
        raise VerificationError(f"small-range proof does not verify: {exc.message}") from exc


# ------------------------------------------------------------------ automatic choice


def auto_method(lo: int, hi: int) -> str:
    """``"or"`` for at most :data:`OR_MAX_VALUES` values, else ``"bulletproofs"``."""
    require_int(lo, "lo")
    require_int(hi, "hi")
    if hi < lo:
        raise MalformedInput(f"invalid range [{lo}, {hi}]")
    return "or" if 2 <= hi - lo + 1 <= OR_MAX_VALUES else "bulletproofs"


def prove_in_range(
    params: PedersenParams,
    commitment: Element,
    lo: int,
    hi: int,
    value: int,
    blinding: Any,
    *,
    context: bytes,
    gens_label: bytes = DEFAULT_GENS_LABEL,
    rng: Callable[[], int] | None = None,
) -> SmallRangeProof | RangeProof:
    """Prove ``value ∈ [lo, hi]`` with the cheaper construction for the range size (see module docstring)."""
    if auto_method(lo, hi) == "or":
        return prove_small_range(params, commitment, lo, hi, value, blinding, context=context, rng=rng)
    return prove_interval(params, commitment, lo, hi, value, blinding, context=context, gens_label=gens_label, rng=rng)


def verify_in_range(
    params: PedersenParams,
    commitment: Element,
    lo: int,
    hi: int,
    proof: SmallRangeProof | RangeProof | bytes,
    *,
    context: bytes,
    gens_label: bytes = DEFAULT_GENS_LABEL,
) -> None:
    """Verify a proof from :func:`prove_in_range` (object, or bytes decoded by their header); the range fixes
    the kind, and a proof of the other kind is a VerificationError."""
    p = require_params(params)
    require_int(lo, "lo")
    require_int(hi, "hi")
    try:
        method = auto_method(lo, hi)
    except MalformedInput as exc:
        raise VerificationError(f"invalid range: {exc.message}") from exc
    if isinstance(proof, (bytes, bytearray)):
        fmt = peek(bytes(proof))
        if fmt.code == SMALL_RANGE_PROOF.code:
            proof = SmallRangeProof.from_bytes(p.group, proof)
        elif fmt.code == RANGE_PROOF.code:
            proof = RangeProof.from_bytes(p.group, proof)
        else:
            raise MalformedInput(f"expected a range proof, got a {fmt.name}")
    if not isinstance(proof, (SmallRangeProof, RangeProof)):
        raise MalformedInput(f"expected a range proof, got {type(proof).__name__}")
    if method == "or":
        if not isinstance(proof, SmallRangeProof):
            raise VerificationError("this range is proven with a small-range OR proof")
        verify_small_range(p, commitment, lo, hi, proof, context=context)
        return
    if not isinstance(proof, RangeProof):
        raise VerificationError("this range is proven with a Bulletproof")
    verify_interval(p, commitment, lo, hi, proof, context=context, gens_label=gens_label)


__all__ = [
    "OR_HARD_LIMIT", "OR_MAX_VALUES", "SmallRangeProof", "auto_method", "prove_in_range", "prove_small_range",
    "statement_tag", "verify_in_range", "verify_small_range",
]  # fmt: skip
