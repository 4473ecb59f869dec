"""Arbitrary integer intervals ``[lo, hi]`` and one-sided predicates on top of Bulletproofs.

``v ∈ [lo, hi]`` is one aggregated proof that ``C_lo = C − lo·G`` and ``C_hi = hi·G − C``
both hide values in ``[0, 2^n)`` (``m = 1`` when ``hi − lo + 1 = 2^n``); a predicate is
an interval of width ``2^bits``.  Bounds stay below ``2^128`` so no interval wraps
around ``q``.  Construction, soundness and the predicate table: ``docs/rangeproofs.md``
§"Arbitrary intervals".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zkmed.encoding import Writer
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.bulletproofs.bulletproofs import (
    SUPPORTED_BITS,
    BatchEntry,
    RangeProof,
    prove_aggregated,
    verify_aggregated,
)
from zkmed.hazmat.bulletproofs.generators import DEFAULT_GENS_LABEL
from zkmed.hazmat.bulletproofs.proof import msm_g
from zkmed.hazmat.checks import prover_inputs, require_int, verifier_inputs
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import Element

INTERVAL_TAG = b"zkmed/v1/range/interval"
BOUND_LIMIT = 1 << 128
PREDICATES = (">=", "<=", ">", "<")
Rng = Callable[[], int]


def bounded_int(x: Any, what: str, err: type[Exception] = MalformedInput) -> int:
    """An ``int`` (MalformedInput otherwise) with ``|x| < 2^128`` (``err`` otherwise): no interval wraps around q."""
    require_int(x, what)
    if not -BOUND_LIMIT < x < BOUND_LIMIT:
        raise err(f"{what} must satisfy |{what}| < 2^128")
    return int(x)


def signed_bytes(x: int) -> bytes:
    """Injective encoding of a bounded signed integer: sign byte ‖ 16-byte magnitude."""
    return (b"\x01" if x < 0 else b"\x00") + abs(x).to_bytes(16, "big")


def interval_bits(lo: int, hi: int) -> int:
    """The smallest supported ``n`` with ``hi − lo < 2^n``; MalformedInput when none fits."""
    lo, hi = bounded_int(lo, "lo"), bounded_int(hi, "hi")
    if hi < lo:
        raise MalformedInput(f"empty interval [{lo}, {hi}]")
    for n in SUPPORTED_BITS:
        if hi - lo < 1 << n:
            return n
    raise MalformedInput(f"interval [{lo}, {hi}] is wider than 2^{SUPPORTED_BITS[-1]}")


def interval_layout(lo: int, hi: int) -> tuple[int, int]:
    """``(n, m)`` of the Bulletproof that proves ``v ∈ [lo, hi]`` (``m = 1`` iff the width is exactly 2^n)."""
    n = interval_bits(lo, hi)
    return n, 1 if hi - lo + 1 == 1 << n else 2


def _context(lo: int, hi: int, context: bytes) -> bytes:
    return Writer().bytes_lp(INTERVAL_TAG).raw(signed_bytes(lo)).raw(signed_bytes(hi)).bytes_lp(context).finish()


def prove_interval(
    params: PedersenParams,
    commitment: Element,
    lo: int,
    hi: int,
    value: int,
    blinding: Any,
    *,
    context: bytes,
    gens_label: bytes = DEFAULT_GENS_LABEL,
    rng: Rng | None = None,
) -> RangeProof:
    """Prove that ``commitment`` (= ``value·G + blinding·H``) hides a value in ``[lo, hi]``.

    MalformedInput for wrong argument types or an invalid interval; ProvingError
    for a value outside it or a commitment that does not open to ``(value, blinding)``.
    """
    p, v, r, context = prover_inputs(params, commitment, value, blinding, context)
    n, m = interval_layout(lo, hi)
    q = p.group.order
    if not lo <= v <= hi:
        raise ProvingError(f"value is outside [{lo}, {hi}]; refusing to prove")
    if not p.group.eq(commitment, p.commit(v, r)):
        raise ProvingError("the commitment does not open to the given value and blinding")
    values = [v - lo] if m == 1 else [v - lo, hi - v]
    blindings = [r] if m == 1 else [r, (q - r) % q]
    proof, _ = prove_aggregated(
        p, n, values, blindings, context=_context(lo, hi, context), gens_label=gens_label, rng=rng
    )
    return proof


def interval_batch_entry(
    params: PedersenParams, commitment: Element, lo: int, hi: int, proof: RangeProof, *, context: bytes
) -> BatchEntry:
    """The :class:`BatchEntry` that :func:`verify_interval` checks, for ``batch_verify`` (§6.2); errors as a verifier."""
    p, context = verifier_inputs(params, commitment, proof, RangeProof, context)
    require_int(lo, "lo")
    require_int(hi, "hi")
    try:
        n, m = interval_layout(lo, hi)
    except MalformedInput as exc:
        raise VerificationError(f"invalid interval: {exc.message}") from exc
    derived = [msm_g(p, -lo, [1], [commitment])]  # C − lo·G, and hi·G − C for m = 2: one MSM each
    if m == 2:
        derived.append(msm_g(p, hi, [p.group.order - 1], [commitment]))
    return BatchEntry(derived, n, proof, _context(lo, hi, context))


def verify_interval(
    params: PedersenParams,
    commitment: Element,
    lo: int,
    hi: int,
    proof: RangeProof,
    *,
    context: bytes,
    gens_label: bytes = DEFAULT_GENS_LABEL,
) -> None:
    """Check that ``commitment`` hides a value in ``[lo, hi]``; None or :class:`VerificationError`."""
    e = interval_batch_entry(params, commitment, lo, hi, proof, context=context)
    verify_aggregated(params, e.commitments, e.n, e.proof, context=e.context, gens_label=gens_label)


def predicate_interval(op: str, bound: int, bits: int = 64) -> tuple[int, int]:
    """The interval that the one-sided predicate ``v op bound`` means (docs/rangeproofs.md, predicate table)."""
    if not isinstance(op, str) or op not in PREDICATES:
        raise MalformedInput(f"unknown predicate {op!r}; use one of {PREDICATES}")
    if require_int(bits, "bits") not in SUPPORTED_BITS:
        raise MalformedInput(f"bits must be one of {SUPPORTED_BITS}")
    b = bounded_int(bound, "bound")
    if op in (">=", ">"):
        lo = b + (op == ">")
        return lo, lo + (1 << bits) - 1
    hi = b - (op == "<")
    return hi - (1 << bits) + 1, hi


def prove_predicate(
    params: PedersenParams,
    commitment: Element,
    op: str,
    bound: int,
    value: int,
    blinding: Any,
    *,
    context: bytes,
    bits: int = 64,
    gens_label: bytes = DEFAULT_GENS_LABEL,
    rng: Rng | None = None,
) -> RangeProof:
    """Prove ``value op bound`` for ``op`` in ``>=, <=, >, <`` (one Bulletproof, ``m = 1``)."""
    lo, hi = predicate_interval(op, bound, bits)
    return prove_interval(params, commitment, lo, hi, value, blinding, context=context, gens_label=gens_label, rng=rng)


def verify_predicate(
    params: PedersenParams,
    commitment: Element,
    op: str,
    bound: int,
    proof: RangeProof,
    *,
    context: bytes,
    bits: int = 64,
    gens_label: bytes = DEFAULT_GENS_LABEL,
) -> None:
    """Check ``value op bound``; None or :class:`VerificationError` (MalformedInput for wrong argument types)."""
    if not isinstance(op, str):
        raise MalformedInput(f"the predicate must be a string, got {type(op).__name__}")
    require_int(bound, "bound")
    require_int(bits, "bits")
    try:
        lo, hi = predicate_interval(op, bound, bits)
    except MalformedInput as exc:
        raise VerificationError(f"invalid predicate: {exc.message}") from exc
    verify_interval(params, commitment, lo, hi, proof, context=context, gens_label=gens_label)


def _one_sided(op: str, name: str) -> tuple[Callable[..., RangeProof], Callable[..., None]]:
    """``prove_<name>`` / ``verify_<name>``: :func:`prove_predicate` / :func:`verify_predicate` with ``op`` fixed."""

    def prove(
        params: PedersenParams, commitment: Element, bound: int, value: int, blinding: Any, *, context: bytes, **kw: Any
    ) -> RangeProof:
        return prove_predicate(params, commitment, op, bound, value, blinding, context=context, **kw)

    def verify(
        params: PedersenParams, commitment: Element, bound: int, proof: RangeProof, *, context: bytes, **kw: Any
    ) -> None:
        verify_predicate(params, commitment, op, bound, proof, context=context, **kw)

    for fn, verb, kws in ((prove, "prove", "bits, gens_label, rng"), (verify, "verify", "bits, gens_label")):
        fn.__name__ = fn.__qualname__ = f"{verb}_{name}"
        fn.__doc__ = f"{verb.capitalize()} ``value {op} bound`` (keywords {kws} as :func:`{verb}_predicate`)."
    return prove, verify


#: ``v ≥ bound``, ``v ≤ bound``, ``v > bound``, ``v < bound``: the predicates under their own names
prove_at_least, verify_at_least = _one_sided(">=", "at_least")
prove_at_most, verify_at_most = _one_sided("<=", "at_most")
prove_greater_than, verify_greater_than = _one_sided(">", "greater_than")
prove_less_than, verify_less_than = _one_sided("<", "less_than")


__all__ = [
    "BOUND_LIMIT", "PREDICATES", "interval_batch_entry", "interval_bits", "interval_layout", "predicate_interval",
    "prove_at_least", "prove_at_most", "prove_greater_than", "prove_interval", "prove_less_than", "prove_predicate",
    "verify_at_least", "verify_at_most", "verify_greater_than", "verify_interval", "verify_less_than",
    "verify_predicate",
]  # fmt: skip
