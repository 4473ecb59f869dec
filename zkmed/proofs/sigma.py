"""Safe, high-level zero-knowledge proofs: typed proof objects over the named circuits.

Every recipe proves a statement declared once in :mod:`zkmed.circuits` (so prover
and verifier cannot drift apart) and binds an explicit application
``context`` (election id, record id, ...): the proof tag is::

    "zkmed/v1/" || recipe || "/" || u32be(len(context)) || context

completed by the DSL to ``tag || "-" || flavor || "-with-" || ciphersuite``
(draft-irtf-cfrg-sigma-protocols §"Tag and session identifier"); the tag
becomes the transcript's session id, so a proof replayed under another
context, another recipe or another ciphersuite fails.

Recipes (statements in Camenisch–Stadler notation; each proof class
documents its byte layout, all fields are ``Ns``-byte canonical scalars):
``dlog`` (Schnorr) ``PK{(x): X = x·B}``; ``dleq`` (Chaum–Pedersen)
``PK{(x): X = x·B ∧ Y = x·H}``; ``opening`` (Okamoto) ``PK{(v, r): C = v·G + r·H}``;
``equality`` ``PK{(v, r1, r2): C1 = v·G + r1·H ∧ C2 = v·G' + r2·H'}``; ``bit``
(CDS94) ``PK{(r): C = r·H ∨ C - G = r·H}``; ``membership`` (CDS94)
``PK{(r): ∨_i C - v_i·G = r·H}``; ``vector-opening`` / ``vector-equality``
for :class:`~zkmed.hazmat.commitments.VectorPedersenParams` commitments.

AND recipes are the draft's compact NARG strings (``c || responses`` in
witness order); OR recipes are the compact CDS94 proofs of
:mod:`zkmed.hazmat.sigma.compose`.  ``from_bytes`` raises MalformedInput on a
wrong length or a scalar ``>= q``; every ``verify_*`` returns None or raises
VerificationError (a malformed statement is a failed verification too);
every ``prove_*`` raises ProvingError when the witness does not satisfy
the statement.  The proof classes (wire formats) live in
:mod:`zkmed.proofs.sigma_wire` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from zkmed.circuits import dleq as _dleq
from zkmed.circuits import membership as _membership
from zkmed.circuits import pedersen as _pedersen
from zkmed.circuits import schnorr as _schnorr
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.commitments import Blinding, PedersenParams, VectorPedersenParams
from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.sigma.dsl import Statement
from zkmed.hazmat.sigma.templates import Fast, _check_proof, _prove_fast, _verify_fast, _verifying, recipe_tag
from zkmed.proofs.sigma_wire import (
    BitProof,
    DleqProof,
    DlogProof,
    EqualityProof,
    MembershipProof,
    OpeningProof,
    VectorEqualityProof,
    VectorOpeningProof,
)

__all__ = [
    "BitProof", "DleqProof", "DlogProof", "EqualityProof", "MembershipProof", "OpeningProof",
    "VectorEqualityProof", "VectorOpeningProof",
    "prove_bit", "prove_dleq", "prove_dlog", "prove_equality", "prove_membership", "prove_opening",
    "prove_vector_equality", "prove_vector_opening", "recipe_tag",
    "verify_bit", "verify_dleq", "verify_dlog", "verify_equality", "verify_membership", "verify_opening",
    "verify_vector_equality", "verify_vector_opening",
]  # fmt: skip

Secret = int | Blinding


def _int(v: Secret) -> int:
    if isinstance(v, Blinding):
        return v.value
    if not isinstance(v, int) or isinstance(v, bool):
        raise ProvingError("recipe: secret values must be integers")
    return v


# ---------------------------------------------------------------------------
# shared prove / verify


def _prove(name: str, build: Callable[[], Statement], witness: dict[str, int], context: bytes, **kw: Any) -> bytes:
    """Build the circuit's statement and prove it; an invalid statement (e.g. an identity point) is refused."""
    tag = recipe_tag(name, context)
    try:
        stmt = build()
        stmt.validate()
    except MalformedInput as exc:
        raise ProvingError(f"{name}: cannot prove an invalid statement: {exc.message}") from exc
    return stmt.prove(tag, witness, **kw)


def _verify(name: str, group: Group, build: Callable[[], Statement], proof: Any, kind: type, context: bytes) -> None:
    with _verifying(f"{name} proof"):
        _check_proof(name, group, proof, kind)
        build().verify(recipe_tag(name, context), proof.to_bytes())


# ---------------------------------------------------------------------------
# recipes


def prove_dlog(group: Group, secret: Secret, *, context: bytes, base: Element | None = None) -> DlogProof:
    """Schnorr proof of knowledge of ``x`` with ``X = x·B`` (``B = G`` by default)."""
    x = _int(secret) % group.order
    public = group.mul_gen(x) if base is None else group.mul(base, x)
    inputs = (group.generator() if base is None else base, public)
    tag, compiled = _prove_fast("dlog", context, (group, (base is None,), inputs, _schnorr.dlog, (group, public, base)))
    # X = x·B was computed from x just above: the generic witness check would be a tautology
    challenge, (response,) = compiled.prove_and(tag, {"x": x}, check_witness=False)
    return DlogProof(group, challenge, response)


def verify_dlog(
    group: Group, public: Element, proof: DlogProof, *, context: bytes, base: Element | None = None
) -> None:
    inputs = (group.generator() if base is None else base, public)
    fast: Fast = (group, (base is None,), inputs, _schnorr.dlog, (group, public, base))
    _verify_fast("dlog", context, fast, proof, DlogProof)


def prove_dleq(group: Group, secret: Secret, h: Element, *, context: bytes, base: Element | None = None) -> DleqProof:
    """Chaum–Pedersen proof that ``X = x·B`` and ``Y = x·H`` share ``x``."""
    x = _int(secret) % group.order
    public = group.mul_gen(x) if base is None else group.mul(base, x)
    y = group.mul(h, x)
    inputs = (group.generator() if base is None else base, h, public, y)
    fast: Fast = (group, (base is None,), inputs, _dleq.dleq, (group, public, h, y, base))
    tag, compiled = _prove_fast("dleq", context, fast)
    # X = x·B and Y = x·H were computed from x just above: the generic witness check would be a tautology
    challenge, (response,) = compiled.prove_and(tag, {"x": x}, check_witness=False)
    return DleqProof(group, challenge, response)


def verify_dleq(
    group: Group,
    public: Element,
    h: Element,
    y: Element,
    proof: DleqProof,
    *,
    context: bytes,
    base: Element | None = None,
) -> None:
    inputs = (group.generator() if base is None else base, h, public, y)
    fast: Fast = (group, (base is None,), inputs, _dleq.dleq, (group, public, h, y, base))
    _verify_fast("dleq", context, fast, proof, DleqProof)


def prove_opening(
    params: PedersenParams, commitment: Element, value: int, blinding: Secret, *, context: bytes
) -> OpeningProof:
    """Knowledge of ``(v, r)`` with ``C = v·G + r·H``."""
    witness = {"v": _int(value), "r": _int(blinding)}
    fast: Fast = (params.group, (), (params.g, params.h, commitment), _pedersen.opening, (params, commitment))
    tag, compiled = _prove_fast("opening", context, fast)
    challenge, (s_value, s_blinding) = compiled.prove_and(tag, witness)
    return OpeningProof(params.group, challenge, s_value, s_blinding)


def verify_opening(params: PedersenParams, commitment: Element, proof: OpeningProof, *, context: bytes) -> None:
    fast: Fast = (params.group, (), (params.g, params.h, commitment), _pedersen.opening, (params, commitment))
    _verify_fast("opening", context, fast, proof, OpeningProof)


def prove_equality(
    params1: PedersenParams,
    c1: Element,
    r1: Secret,
    params2: PedersenParams,
    c2: Element,
    r2: Secret,
    value: int,
    *,
    context: bytes,
) -> EqualityProof:
    """``C1 = v·G + r1·H`` and ``C2 = v·G' + r2·H'`` commit to the same ``v``."""
    witness = {"v": _int(value), "r1": _int(r1), "r2": _int(r2)}
    return EqualityProof.from_bytes(
        params1.group, _prove("equality", lambda: _pedersen.equality(params1, c1, params2, c2), witness, context)
    )


def verify_equality(
    params1: PedersenParams, c1: Element, params2: PedersenParams, c2: Element, proof: EqualityProof, *, context: bytes
) -> None:
    build = lambda: _pedersen.equality(params1, c1, params2, c2)  # noqa: E731
    _verify("equality", params1.group, build, proof, EqualityProof, context)


def _bit_fast(params: PedersenParams, commitment: Element) -> Fast:
    return (params.group, (), (params.g, params.h, commitment), _membership.bit, (params, commitment))


def prove_bit(params: PedersenParams, commitment: Element, bit: int, blinding: Secret, *, context: bytes) -> BitProof:
    """``C`` commits to 0 or 1 (ballot selections); ProvingError for any other value."""
    if bit not in (0, 1) or isinstance(bit, bool):
        raise ProvingError("bit proof: the committed value must be 0 or 1")
    tag, compiled = _prove_fast("bit", context, _bit_fast(params, commitment))
    challenge, c0, s0, s1 = compiled.prove_or_scalars(tag, {"r": _int(blinding)}, bit)
    return BitProof(params.group, challenge, c0, s0, s1)


def verify_bit(params: PedersenParams, commitment: Element, proof: BitProof, *, context: bytes) -> None:
    _verify_fast("bit", context, _bit_fast(params, commitment), proof, BitProof)


def _membership_fast(params: PedersenParams, commitment: Element, values: tuple[int, ...]) -> Fast:
    # the statement's structure is the (canonical) set: one branch per value, in order
    inputs = (params.g, params.h, commitment)
    return (params.group, (values,), inputs, _membership.one_of, (params, commitment, values))


def prove_membership(
    params: PedersenParams, commitment: Element, value: int, blinding: Secret, allowed: Sequence[int], *, context: bytes
) -> MembershipProof:
    """``C`` commits to one value of the public set ``allowed``; ProvingError if ``value`` is not in it."""
    values = _membership.canonical_set(params, allowed)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProvingError("membership proof: the value must be an integer")
    position = [int(v == value % params.group.order) for v in values]  # scan the whole set
    if 1 not in position:
        raise ProvingError("membership proof: the committed value is not in the public set")
    tag, compiled = _prove_fast("membership", context, _membership_fast(params, commitment, values))
    s = compiled.prove_or_scalars(tag, {"r": _int(blinding)}, position.index(1))
    k = len(values)
    return MembershipProof(params.group, s[0], tuple(s[1:k]), tuple(s[k:]))


def verify_membership(
    params: PedersenParams, commitment: Element, allowed: Sequence[int], proof: MembershipProof, *, context: bytes
) -> None:
    with _verifying("membership proof"):
        values = _membership.canonical_set(params, allowed)
        if isinstance(proof, MembershipProof) and len(proof.responses) != len(values):
            raise VerificationError("membership proof: the proof is for a set of another size")
    _verify_fast("membership", context, _membership_fast(params, commitment, values), proof, MembershipProof)


def prove_vector_opening(
    params: VectorPedersenParams, commitment: Element, values: Sequence[int], blinding: Secret, *, context: bytes
) -> VectorOpeningProof:
    """Knowledge of ``(v_1..v_n, r)`` with ``C = r·H + Σ v_i·G_i``."""
    if len(values) != params.size:
        raise ProvingError(f"vector opening: expected {params.size} values, got {len(values)}")
    witness = {f"v_{i + 1}": _int(v) for i, v in enumerate(values)} | {"r": _int(blinding)}
    return VectorOpeningProof.from_bytes(
        params.group,
        _prove("vector-opening", lambda: _pedersen.vector_opening(params, commitment), witness, context),
        params.size,
    )


def verify_vector_opening(
    params: VectorPedersenParams, commitment: Element, proof: VectorOpeningProof, *, context: bytes
) -> None:
    build = lambda: _pedersen.vector_opening(params, commitment)  # noqa: E731
    _verify("vector-opening", params.group, build, proof, VectorOpeningProof, context)


def prove_vector_equality(
    params1: VectorPedersenParams,
    c1: Element,
    r1: Secret,
    params2: VectorPedersenParams,
    c2: Element,
    r2: Secret,
    values: Sequence[int],
    *,
    context: bytes,
) -> VectorEqualityProof:
    """``C1`` and ``C2`` commit to the same vector ``(v_1..v_n)``."""
    if len(values) != params1.size:
        raise ProvingError(f"vector equality: expected {params1.size} values, got {len(values)}")
    witness = {f"v_{i + 1}": _int(v) for i, v in enumerate(values)} | {"r1": _int(r1), "r2": _int(r2)}
    proof = _prove("vector-equality", lambda: _pedersen.vector_equality(params1, c1, params2, c2), witness, context)
    return VectorEqualityProof.from_bytes(params1.group, proof, params1.size)


def verify_vector_equality(
    params1: VectorPedersenParams,
    c1: Element,
    params2: VectorPedersenParams,
    c2: Element,
    proof: VectorEqualityProof,
    *,
    context: bytes,
) -> None:
    build = lambda: _pedersen.vector_equality(params1, c1, params2, c2)  # noqa: E731
    _verify("vector-equality", params1.group, build, proof, VectorEqualityProof, context)
