"""Safe, high-level zero-knowledge proofs about keys and commitments (sigma protocols).

Every recipe proves a statement declared and compiled once in
:mod:`zkmed.circuits` (so prover and verifier cannot drift apart) and binds an
explicit, **required** application ``context`` (election id, record id, ...):
the proof tag is::

    "zkmed/v1/" || recipe || "/" || u32be(len(context)) || context

completed to ``tag || "-" || flavor || "-with-" || ciphersuite``
(draft-irtf-cfrg-sigma-protocols §"Tag and session identifier"); the tag
becomes the transcript's session id, so a proof replayed under another
context, another recipe or another ciphersuite fails.

One calling convention for every recipe family of :mod:`zkmed.proofs`::

    prove_X(params, <public statement...>, <witness...>, *, context, rng=None) -> proof
    verify_X(params, <public statement...>, proof, *, context) -> None

(``group`` instead of ``params`` for ``dlog`` / ``dleq``).  Recipes, in
Camenisch–Stadler notation: ``dlog`` (Schnorr) ``PK{(x): X = x·B}``; ``dleq``
(Chaum–Pedersen) ``PK{(x): X = x·B ∧ Y = x·H}``; ``opening`` (Okamoto)
``PK{(v, r): C = v·G + r·H}``; ``equality`` ``PK{(v, r1, r2): C1 = v·G + r1·H ∧
C2 = v·G + r2·H'}``; ``bit`` (CDS94) ``PK{(r): C = r·H ∨ C - G = r·H}``;
``membership`` (CDS94) ``PK{(r): ∨_i C - v_i·G = r·H}``; ``vector-opening`` /
``vector-equality`` for :class:`~zkmed.hazmat.commitments.VectorPedersenParams`.

Every ``verify_*`` returns None or raises VerificationError (a malformed
statement or proof object is a failed verification too; it re-checks the
proof's scalar ranges itself); every ``prove_*`` raises ProvingError when the
witness does not satisfy the statement and MalformedInput for arguments of the
wrong type.  The proof classes and their wire formats live in
:mod:`zkmed.proofs.sigma_wire`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from zkmed.circuits import dleq as _dleq
from zkmed.circuits import membership as _membership
from zkmed.circuits import pedersen as _pedersen
from zkmed.circuits import schnorr as _schnorr
from zkmed.encoding import u32
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.checks import require_bytes, require_group, require_instance, require_params, same_group, secret_int
from zkmed.hazmat.commitments import Blinding, PedersenParams, VectorPedersenParams
from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.sigma.compiled import Compiled, CompiledOr, Value
from zkmed.hazmat.sigma.nizk import Rng
from zkmed.proofs.sigma_wire import (
    BitProof,
    DleqProof,
    DlogProof,
    EqualityProof,
    MembershipProof,
    OpeningProof,
    SigmaProof,
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


def recipe_tag(recipe: str, context: bytes) -> bytes:
    """``"zkmed/v1/" || recipe || "/" || u32be(len(context)) || context``."""
    context = require_bytes(context, "the context")
    return b"zkmed/v1/" + recipe.encode() + b"/" + u32(len(context)) + context


def _check_proof(what: str, group: Group, proof: Any, kind: type) -> None:
    if type(proof) is not kind:
        raise VerificationError(f"{what}: expected a {kind.__name__}")
    same_group(group, getattr(proof, "group", None), what, VerificationError)


@contextmanager
def _verifying(what: str, group: Group, proof: Any, kind: type) -> Iterator[None]:
    """Type checks, then: a malformed statement or proof is a failed verification."""
    _check_proof(what, group, proof, kind)
    try:
        yield
    except MalformedInput as exc:
        raise VerificationError(f"{what} rejected: {exc.message}") from exc


def _prove_and(
    name: str, stmt: Compiled, group: Group, values: Sequence[Value], witness: dict[str, int], context: bytes,
    rng: Rng | None,
) -> tuple[int, list[int]]:  # fmt: skip
    try:
        return stmt.prove(group, values, witness, recipe_tag(name, context), rng)
    except ProvingError as exc:
        raise ProvingError(f"{name}: {exc.message}") from exc


def _verify_and(name: str, stmt: Compiled, group: Group, values: Sequence[Value], proof: Any, kind: type,
                context: bytes) -> None:  # fmt: skip
    _check_proof(f"{name} proof", group, proof, kind)
    scalars: list[Any] = proof.scalars()
    try:
        stmt.verify(group, values, recipe_tag(name, context), scalars[0], scalars[1:])
    except MalformedInput as exc:
        raise VerificationError(f"{name} proof rejected: {exc.message}") from exc


def _prove_or(name: str, stmt: CompiledOr, params: PedersenParams, values: list[list[Value]], branch: int,
              blinding: int, context: bytes, rng: Rng | None) -> list[int]:  # fmt: skip
    try:
        return stmt.prove(params.group, values, branch, {"r": blinding}, recipe_tag(name, context), rng)
    except ProvingError as exc:
        raise ProvingError(f"{name}: {exc.message}") from exc


def _verify_or(name: str, stmt: CompiledOr, params: PedersenParams, values: list[list[Value]],
               proof: SigmaProof, context: bytes) -> None:  # fmt: skip
    stmt.verify(params.group, values, recipe_tag(name, context), proof.scalars())


# ---------------------------------------------------------------------------
# keys: dlog, dleq


def _dlog_statement(group: Group, public: Element, base: Element | None) -> tuple[Compiled, list[Value]]:
    return (_schnorr.DLOG, [public]) if base is None else (_schnorr.DLOG_BASE, [base, public])


def prove_dlog(
    group: Group, public: Element, secret: Secret, *, context: bytes, base: Element | None = None,
    rng: Rng | None = None,
) -> DlogProof:  # fmt: skip
    """Schnorr proof of knowledge of ``x`` with ``X = x·B`` (``B = G`` by default)."""
    group = require_group(group)
    stmt, values = _dlog_statement(group, public, base)
    challenge, (response,) = _prove_and(
        "dlog", stmt, group, values, {"x": secret_int(secret, "the secret")}, context, rng
    )
    return DlogProof(group, challenge, response)


def verify_dlog(
    group: Group, public: Element, proof: DlogProof, *, context: bytes, base: Element | None = None
) -> None:
    group = require_group(group)
    stmt, values = _dlog_statement(group, public, base)
    _verify_and("dlog", stmt, group, values, proof, DlogProof, context)


def _dleq_statement(h: Element, public: Element, y: Element, base: Element | None) -> tuple[Compiled, list[Value]]:
    return (_dleq.DLEQ, [h, public, y]) if base is None else (_dleq.DLEQ_BASE, [base, h, public, y])


def prove_dleq(
    group: Group, public: Element, h: Element, y: Element, secret: Secret, *, context: bytes,
    base: Element | None = None, rng: Rng | None = None,
) -> DleqProof:  # fmt: skip
    """Chaum–Pedersen proof that ``X = x·B`` and ``Y = x·H`` share ``x``."""
    group = require_group(group)
    stmt, values = _dleq_statement(h, public, y, base)
    challenge, (response,) = _prove_and(
        "dleq", stmt, group, values, {"x": secret_int(secret, "the secret")}, context, rng
    )
    return DleqProof(group, challenge, response)


def verify_dleq(
    group: Group, public: Element, h: Element, y: Element, proof: DleqProof, *, context: bytes,
    base: Element | None = None,
) -> None:  # fmt: skip
    group = require_group(group)
    stmt, values = _dleq_statement(h, public, y, base)
    _verify_and("dleq", stmt, group, values, proof, DleqProof, context)


# ---------------------------------------------------------------------------
# Pedersen commitments: opening, equality


def prove_opening(
    params: PedersenParams, commitment: Element, value: int, blinding: Secret, *, context: bytes,
    rng: Rng | None = None,
) -> OpeningProof:  # fmt: skip
    """Knowledge of ``(v, r)`` with ``C = v·G + r·H``."""
    p = require_params(params)
    witness = {"v": secret_int(value, "the value"), "r": secret_int(blinding, "the blinding")}
    challenge, (s_v, s_r) = _prove_and(
        "opening", _pedersen.OPENING, p.group, [p.h_base, commitment], witness, context, rng
    )
    return OpeningProof(p.group, challenge, s_v, s_r)


def verify_opening(params: PedersenParams, commitment: Element, proof: OpeningProof, *, context: bytes) -> None:
    p = require_params(params)
    _verify_and("opening", _pedersen.OPENING, p.group, [p.h_base, commitment], proof, OpeningProof, context)


def _equality_statement(
    p1: PedersenParams, c1: Element, p2: PedersenParams, c2: Element
) -> tuple[Compiled, list[Value]]:
    if p1.group.name != p2.group.name:
        raise MalformedInput("equality of commitments: both parameters must be over one group")
    if p1 is p2 or p1.group.eq(p1.h, p2.h):
        return _pedersen.EQUALITY, [p1.h_base, c1, c2]
    return _pedersen.EQUALITY_2, [p1.h_base, p2.h_base, c1, c2]


def prove_equality(
    params1: PedersenParams, c1: Element, params2: PedersenParams, c2: Element, value: int, r1: Secret, r2: Secret,
    *, context: bytes, rng: Rng | None = None,
) -> EqualityProof:  # fmt: skip
    """``C1 = v·G + r1·H`` and ``C2 = v·G + r2·H'`` commit to the same ``v``."""
    stmt, values = _equality_statement(require_params(params1), c1, require_params(params2), c2)
    witness = {
        "v": secret_int(value, "the value"),
        "r1": secret_int(r1, "the blinding"),
        "r2": secret_int(r2, "the blinding"),
    }
    challenge, (s_v, s_r1, s_r2) = _prove_and("equality", stmt, params1.group, values, witness, context, rng)
    return EqualityProof(params1.group, challenge, s_v, s_r1, s_r2)


def verify_equality(
    params1: PedersenParams, c1: Element, params2: PedersenParams, c2: Element, proof: EqualityProof, *,
    context: bytes,
) -> None:  # fmt: skip
    group = require_params(params1).group
    with _verifying("equality proof", group, proof, EqualityProof):
        stmt, values = _equality_statement(params1, c1, require_params(params2), c2)
    _verify_and("equality", stmt, group, values, proof, EqualityProof, context)


# ---------------------------------------------------------------------------
# membership (CDS94 OR proofs): bit, one of a public set


def prove_bit(
    params: PedersenParams, commitment: Element, bit: int, blinding: Secret, *, context: bytes,
    rng: Rng | None = None,
) -> BitProof:  # fmt: skip
    """``C`` commits to 0 or 1 (ballot selections); ProvingError for any other value."""
    p = require_params(params)
    bit = secret_int(bit, "the bit")
    if bit not in (0, 1):
        raise ProvingError("bit proof: the committed value must be 0 or 1")
    values = _membership.bit_elements(p, commitment)
    s = _prove_or("bit", _membership.BIT_STATEMENT, p, values, bit, secret_int(blinding, "the blinding"), context, rng)
    return BitProof(p.group, *s)


def verify_bit(params: PedersenParams, commitment: Element | bytes, proof: BitProof, *, context: bytes) -> None:
    p = require_params(params)
    with _verifying("bit proof", p.group, proof, BitProof):
        values = _membership.bit_elements(p, commitment)
        _verify_or("bit", _membership.BIT_STATEMENT, p, values, proof, context)


def prove_membership(
    params: PedersenParams, commitment: Element, allowed: Sequence[int], value: int, blinding: Secret, *,
    context: bytes, rng: Rng | None = None,
) -> MembershipProof:  # fmt: skip
    """``C`` commits to one value of the public set ``allowed``; ProvingError if ``value`` is not in it."""
    p = require_params(params)
    values = _membership.canonical_set(p, allowed)
    v = secret_int(value, "the value") % p.group.order
    position = [int(x == v) for x in values]  # scan the whole set
    if 1 not in position:
        raise ProvingError("membership proof: the committed value is not in the public set")
    elements = _membership.branch_elements(p, commitment, values)
    stmt = _membership.disjunction(len(values))
    s = _prove_or(
        "membership", stmt, p, elements, position.index(1), secret_int(blinding, "the blinding"), context, rng
    )
    k = len(values)
    return MembershipProof(p.group, s[0], tuple(s[1:k]), tuple(s[k:]))


def verify_membership(
    params: PedersenParams, commitment: Element, allowed: Sequence[int], proof: MembershipProof, *, context: bytes
) -> None:
    p = require_params(params)
    with _verifying("membership proof", p.group, proof, MembershipProof):
        values = _membership.canonical_set(p, allowed)
        if len(proof.responses) != len(values) or len(proof.branch_challenges) != len(values) - 1:
            raise VerificationError("membership proof: the proof is for a set of another size")
        elements = _membership.branch_elements(p, commitment, values)
        _verify_or("membership", _membership.disjunction(len(values)), p, elements, proof, context)


# ---------------------------------------------------------------------------
# vector commitments


def _vector_witness(size: int, values: Any, blindings: dict[str, int]) -> dict[str, int]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise MalformedInput("vector recipe: the values must be a sequence of integers")
    if len(values) != size:
        raise ProvingError(f"vector recipe: expected {size} values, got {len(values)}")
    return {f"v_{i + 1}": secret_int(v, "the value") for i, v in enumerate(values)} | blindings


def prove_vector_opening(
    params: VectorPedersenParams, commitment: Element, values: Sequence[int], blinding: Secret, *, context: bytes,
    rng: Rng | None = None,
) -> VectorOpeningProof:  # fmt: skip
    """Knowledge of ``(v_1..v_n, r)`` with ``C = r·H + Σ v_i·G_i``."""
    p = require_instance(params, VectorPedersenParams)
    witness = _vector_witness(p.size, values, {"r": secret_int(blinding, "the blinding")})
    stmt = _pedersen.vector_opening(p.size)
    challenge, (*s_v, s_r) = _prove_and("vector-opening", stmt, p.group, [p.h_base, *p.g_bases, commitment], witness, context,
                                        rng)  # fmt: skip
    return VectorOpeningProof(p.group, challenge, tuple(s_v), s_r)


def verify_vector_opening(
    params: VectorPedersenParams, commitment: Element, proof: VectorOpeningProof, *, context: bytes
) -> None:
    p = require_instance(params, VectorPedersenParams)
    with _verifying("vector-opening proof", p.group, proof, VectorOpeningProof):
        stmt = _pedersen.vector_opening(p.size)
    _verify_and("vector-opening", stmt, p.group, [p.h_base, *p.g_bases, commitment], proof, VectorOpeningProof, context)


def _vector_equality_statement(
    p1: VectorPedersenParams, c1: Element, p2: VectorPedersenParams, c2: Element
) -> tuple[Compiled, list[Value]]:
    if p1.group.name != p2.group.name or p1.size != p2.size:
        raise MalformedInput("vector equality: parameters must share the group and the size")
    g = p1.group
    same = p1 is p2 or (g.eq(p1.h, p2.h) and all(g.eq(a, b) for a, b in zip(p1.gs, p2.gs, strict=True)))
    stmt = _pedersen.vector_equality(p1.size, same)
    return stmt, [p1.h_base, *p1.g_bases, c1, c2] if same else [p1.h_base, *p1.g_bases, p2.h_base, *p2.g_bases, c1, c2]


def prove_vector_equality(
    params1: VectorPedersenParams, c1: Element, params2: VectorPedersenParams, c2: Element, values: Sequence[int],
    r1: Secret, r2: Secret, *, context: bytes, rng: Rng | None = None,
) -> VectorEqualityProof:  # fmt: skip
    """``C1`` and ``C2`` commit to the same vector ``(v_1..v_n)``."""
    p1, p2 = require_instance(params1, VectorPedersenParams), require_instance(params2, VectorPedersenParams)
    stmt, elements = _vector_equality_statement(p1, c1, p2, c2)
    witness = _vector_witness(
        p1.size, values, {"r1": secret_int(r1, "the blinding"), "r2": secret_int(r2, "the blinding")}
    )
    challenge, (*s_v, s_r1, s_r2) = _prove_and("vector-equality", stmt, p1.group, elements, witness, context, rng)
    return VectorEqualityProof(p1.group, challenge, tuple(s_v), s_r1, s_r2)


def verify_vector_equality(
    params1: VectorPedersenParams, c1: Element, params2: VectorPedersenParams, c2: Element,
    proof: VectorEqualityProof, *, context: bytes,
) -> None:  # fmt: skip
    p1, p2 = require_instance(params1, VectorPedersenParams), require_instance(params2, VectorPedersenParams)
    with _verifying("vector-equality proof", p1.group, proof, VectorEqualityProof):
        stmt, elements = _vector_equality_statement(p1, c1, p2, c2)
    _verify_and("vector-equality", stmt, p1.group, elements, proof, VectorEqualityProof, context)
