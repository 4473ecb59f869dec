"""OR composition of sigma protocols for linear relations (AND is the statement DSL's ``&``).

AND needs no protocol of its own: a conjunction of linear relations is again a
linear relation (the DSL, :mod:`zkmed.hazmat.sigma.dsl`, concatenates equations).
OR is the CDS94 disjunction ``PK{(w): R_0(w) ∨ ... ∨ R_{k-1}(w)}``; the prover
knows a witness ``w`` of one branch ``l`` and runs the same operations for every branch::

    A_i = map_i(r_i) - e_i·image_i ;  c_l = c - Σ_{i≠l} e_i ;  s_i = r_i + (c_i - e_i)·w_i

Construction, Fiat–Shamir instance, byte layout, verifier and security notes:
``docs/or-proofs.md``.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from zkmed.encoding import le_uint
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.sigma.ciphersuites import CIPHERSUITES
from zkmed.hazmat.sigma.nizk import Rng, _draw, _session_id, map_secret
from zkmed.hazmat.sigma.relation import LinearRelation
from zkmed.hazmat.transcript import Transcript

__all__ = [
    "OrProof", "ciphersuite_id", "full_tag", "or_instance", "prove_or", "prove_or_scalars",
    "verify_or", "verify_or_scalars",
]  # fmt: skip

MAX_BRANCHES = 1 << 16
_BYTES = (bytes, bytearray, memoryview)


# ---------------------------------------------------------------------------
# tags (draft §"Tag and session identifier")


def ciphersuite_id(group: Group) -> str:
    """The registered ciphersuite identifier for ``group`` (:data:`~zkmed.hazmat.sigma.ciphersuites.CIPHERSUITES`).

    A backend variant ``"<name>-<backend>"`` (e.g. ``secp256k1-pyecc``) uses
    the suite of ``<name>``: same curve, same encodings, interoperable proofs.
    A group without a registered suite is refused (MalformedInput).
    """
    for name in (group.name, group.name.split("-")[0]):
        for suite in CIPHERSUITES.values():
            if suite.group_name == name:
                return suite.name
    raise MalformedInput(f"no sigma ciphersuite is registered for the group {group.name!r}")


def full_tag(tag: bytes, flavor: bytes, group: Group) -> bytes:
    """``tag || "-" || flavor || "-with-" || ciphersuite_id`` (draft §"Tag and session identifier")."""
    if not isinstance(tag, _BYTES) or not tag:
        raise MalformedInput("sigma proof: the tag must be non-empty bytes")
    return bytes(tag) + b"-" + flavor + b"-with-" + ciphersuite_id(group).encode()


# ---------------------------------------------------------------------------
# OR: instance, proof object


def _common_group(relations: Sequence[LinearRelation], what: str) -> Group:
    group = relations[0].group
    if any(r.group.name != group.name for r in relations):
        raise MalformedInput(f"{what}: all relations must be over one group")
    return group


def _check_branches(branches: Sequence[LinearRelation]) -> tuple[list[LinearRelation], Group]:
    rels = list(branches)
    if not all(isinstance(r, LinearRelation) for r in rels):
        raise MalformedInput("OR composition: every branch must be a LinearRelation")
    if not 2 <= len(rels) < MAX_BRANCHES:
        raise MalformedInput(f"OR composition: needs between 2 and {MAX_BRANCHES - 1} branches")
    return rels, _common_group(rels, "OR composition")


def or_instance(branches: Sequence[LinearRelation]) -> bytes:
    """The OR statement's instance bytes: ``u32le(k) || (u32le(len) || SerializeLinearRelation(R_i))*``."""
    rels, _ = _check_branches(branches)
    return _instance(rels)


def _instance(rels: Sequence[LinearRelation]) -> bytes:
    """:func:`or_instance` of checked branches."""
    parts = [le_uint(len(rels), 4)]
    for rel in rels:
        data = rel.serialize()
        parts.append(le_uint(len(data), 4))
        parts.append(data)
    return b"".join(parts)


@dataclass(frozen=True)
class OrProof:
    """A compact CDS94 OR proof; its layout is :meth:`scalars` (wire order), the last
    branch challenge implied (:meth:`challenges`)."""

    group: Group
    challenge: int
    branch_challenges: tuple[int, ...]
    responses: tuple[tuple[int, ...], ...]

    def challenges(self) -> list[int]:
        """All ``k`` branch challenges, the last one being ``c - Σ others``."""
        q = self.group.order
        return [*self.branch_challenges, (self.challenge - sum(self.branch_challenges)) % q]

    def scalars(self) -> list[int]:
        """The scalars in wire order."""
        return [self.challenge, *self.branch_challenges, *(k for s in self.responses for k in s)]

    def to_bytes(self) -> bytes:
        return self.group.encode_scalars(self.scalars())

    @classmethod
    def from_bytes(cls, branches: Sequence[LinearRelation], data: bytes) -> OrProof:
        """Strict parse against the branch shapes (exact length, every scalar ``< q``)."""
        rels, g = _check_branches(branches)
        if not isinstance(data, _BYTES):
            raise MalformedInput(f"OR proof: expected bytes, got {type(data).__name__}")
        counts = [r.num_scalars for r in rels]
        total = len(rels) + sum(counts)
        scalars = g.decode_scalars(bytes(data), total)  # length and canonical form
        k = len(rels)
        responses, at = [], k
        for n in counts:
            responses.append(tuple(scalars[at : at + n]))
            at += n
        return cls(g, scalars[0], tuple(scalars[1:k]), tuple(responses))


# ---------------------------------------------------------------------------
# OR: prover and verifier


def _derive(tag: bytes, rels: Sequence[LinearRelation], commitments: Sequence[Element]) -> int:
    """The OR challenge: transcript over :func:`_instance`, then every commitment (branch, equation order)."""
    if not isinstance(tag, _BYTES):
        raise MalformedInput("OR proof: the tag must be bytes")
    g, tag = rels[0].group, bytes(tag)
    transcript = Transcript(tag, _instance(rels), session_id=_session_id(tag))
    encode = g.encode_element
    transcript.absorb(b"".join([encode(a) for a in commitments]))
    return transcript.challenge_scalar(g.order)


def prove_or(
    tag: bytes, branches: Sequence[LinearRelation], real: int, witness: Sequence[int], rng: Rng | None = None
) -> bytes:
    """Prove ``R_0 ∨ ... ∨ R_{k-1}`` knowing ``witness`` for branch ``real``; return the proof bytes.

    Raises ProvingError if ``witness`` does not satisfy branch ``real`` (or
    has the wrong length / non-canonical scalars), MalformedInput for bad
    branches.  Nonces and simulated challenges come from ``group.random_scalar``,
    or from ``rng`` (tests and known-answer vectors only), drawn in this order:
    the nonces of branches ``0..k-1`` (``num_scalars`` each), then the ``k``
    simulated challenges; ProvingError if ``rng`` returns a value outside ``[0, q)``.
    """
    rels, g = _check_branches(branches)
    return g.encode_scalars(prove_or_scalars(tag, rels, real, witness, rng))


def prove_or_scalars(
    tag: bytes, branches: Sequence[LinearRelation], real: int, witness: Sequence[int], rng: Rng | None = None
) -> list[int]:
    """:func:`prove_or` before serialization: the proof's scalars in wire order."""
    rels, g = _check_branches(branches)
    q, k = g.order, len(rels)
    if not isinstance(real, int) or isinstance(real, bool) or not 0 <= real < k:
        raise ProvingError("OR prover: the real branch index is out of range")
    w = list(witness)
    if len(w) != rels[real].num_scalars:
        raise ProvingError(f"OR prover: branch {real} takes {rels[real].num_scalars} witness scalars, got {len(w)}")
    if any(not isinstance(x, int) or isinstance(x, bool) or not 0 <= x < q for x in w):
        raise ProvingError("OR prover: witness scalars must be integers in [0, q)")
    # every branch's image, computed alike whichever branch is real; then refuse a false witness before
    # any nonce is drawn: one constant-time multiplication per term of the real branch's map
    images = [rel.image() for rel in rels]
    if not all(g.eq(a, y) for a, y in zip(map_secret(rels[real], w), images[real], strict=True)):
        raise ProvingError(f"OR prover: the witness does not satisfy branch {real}")
    width = max(r.num_scalars for r in rels)
    padded = w + [0] * (width - len(w))
    bits = [int(i == real) for i in range(k)]  # 1 for the real branch, selected arithmetically below
    nonces = [_draw(g, rng, r.num_scalars) for r in rels]
    sim = _draw(g, rng, k)
    add, mul_secret = g.add, g.mul_secret
    commitments = []  # the same constant-time operations for every branch, real or simulated
    for rel, image, r_i, e_i in zip(rels, images, nonces, sim, strict=True):
        for t, y in zip(map_secret(rel, r_i), image, strict=True):
            commitments.append(add(t, mul_secret(y, -e_i % q)))
    if any(g.is_identity(a) for a in commitments):
        raise ProvingError("OR prover: a commitment hit the identity; retry with fresh randomness")
    c = _derive(tag, rels, commitments)
    c_real = (c - sum(e * (1 - b) for e, b in zip(sim, bits, strict=True))) % q
    challenges = [(e * (1 - b) + c_real * b) % q for e, b in zip(sim, bits, strict=True)]
    out = [c, *challenges[:-1]]
    for i in range(k):
        delta = (challenges[i] - sim[i]) * bits[i]
        out.extend((nonces[i][j] + delta * padded[j]) % q for j in range(rels[i].num_scalars))
    return out


def verify_or(tag: bytes, branches: Sequence[LinearRelation], proof: bytes) -> None:
    """Verify a compact OR proof; return None or raise VerificationError (steps: docs/or-proofs.md)."""
    rels, _ = _check_branches(branches)
    try:
        parsed = OrProof.from_bytes(rels, proof)  # the one parser of the layout
    except MalformedInput as exc:
        raise VerificationError(f"OR proof rejected: {exc.message}") from exc
    verify_or_scalars(tag, rels, parsed.scalars())


def verify_or_scalars(tag: bytes, branches: Sequence[LinearRelation], scalars: Sequence[int]) -> None:
    """:func:`verify_or` after parsing: ``scalars`` in the proof's layout (count and ranges checked here)."""
    rels, g = _check_branches(branches)
    q, k = g.order, len(rels)
    if len(scalars) != k + sum(r.num_scalars for r in rels):
        raise VerificationError("OR proof rejected: wrong number of scalars for this statement")
    if not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x < q for x in scalars):
        raise VerificationError("OR proof rejected: scalar out of range [0, q)")
    c = scalars[0]
    challenges = [*scalars[1:k], (c - sum(scalars[1:k])) % q]
    commitments = []
    at = k
    for rel, c_i in zip(rels, challenges, strict=True):
        n = rel.num_scalars
        response = scalars[at : at + n]
        at += n
        for pairs in rel.combination(response, c_i):  # one MSM per equation
            a = rel._msm(pairs)
            if g.is_identity(a):
                raise VerificationError("OR proof rejected: a recomputed commitment is the identity")
            commitments.append(a)
    expected = _derive(tag, rels, commitments)
    if not hmac.compare_digest(g.encode_scalar(expected), g.encode_scalar(c)):
        raise VerificationError("OR proof rejected: challenge mismatch")
