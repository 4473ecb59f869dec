"""Sigma protocols for linear relations and their Fiat–Shamir compilation.

Implements draft-irtf-cfrg-sigma-protocols §"The Sigma Protocol" (prover, verifier,
simulator), §"Challenge derivation" (:func:`derive_challenge`, on the one zkmed
:class:`~zkmed.hazmat.transcript.Transcript`) and the batchable / compact NARG strings.
Batch verification: :mod:`zkmed.hazmat.sigma.batch`; byte-level ``prove_nizk`` /
``verify_nizk``: :mod:`zkmed.hazmat.sigma.ciphersuites`.  Verification steps:
``docs/verification.md`` §V2.  The prover evaluates the map on secret nonces with the
group's secret-scalar operations, never the variable-time MSM (``docs/constant-time.md``).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.sigma.relation import LinearRelation
from zkmed.hazmat.transcript import Transcript, derive_session_id

#: a source of uniform scalars in [0, q); defaults to ``group.random_scalar`` (the ``secrets`` CSPRNG)
Rng = Callable[[], int]

_BYTES = (bytes, bytearray, memoryview)


# ---------------------------------------------------------------------------
# interactive sigma protocol


class ProverState:
    """The private, single-use prover state ``(witness, nonces)`` (§"Prover commitment").

    Its repr is redacted; :func:`prover_response` consumes it, and a second
    use raises :class:`~zkmed.errors.ProvingError` (a reused nonce reveals the witness).
    """

    __slots__ = ("relation", "_witness", "_nonces", "_used")

    def __init__(self, relation: LinearRelation, witness: list[int], nonces: list[int]) -> None:
        self.relation = relation
        self._witness = witness
        self._nonces = nonces
        self._used = False

    def _consume(self) -> tuple[list[int], list[int]]:
        if self._used:
            raise ProvingError("sigma prover: the prover state was already used")
        self._used = True
        witness, nonces = self._witness, self._nonces
        self._witness, self._nonces = [], []
        return witness, nonces

    def __repr__(self) -> str:
        return "ProverState(<redacted>)"


def _draw(group: Group, rng: Rng | None, count: int) -> list[int]:
    draw = group.random_scalar if rng is None else rng
    out = []
    for _ in range(count):
        k = draw()
        if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < group.order:
            raise ProvingError("sigma prover: rng must return scalars in [0, q)")
        out.append(k)
    return out


def map_secret(relation: LinearRelation, scalars: Sequence[int]) -> list[Element]:
    """``map(instance, scalars)`` for secret scalars: one single-base multiplication per element.

    Constant-time paths only (:meth:`~zkmed.hazmat.groups.base.Group.mul_gen_secret`,
    :meth:`~zkmed.hazmat.groups.base.Group.mul_secret`), never the variable-time MSM.
    """
    g, q, elements, bases = relation.group, relation.group.order, relation.elements, relation.bases
    out = []
    for rows in relation.shape.plan:
        acc = None
        for e, terms, _ in rows:
            if not terms:
                continue
            k = sum(c * scalars[s] for s, c in terms) % q
            if e == 0:
                point = g.mul_gen_secret(k)
            else:
                base = bases[e] if bases is not None else None
                point = base.mul_secret(k) if base is not None else g.mul_secret(elements[e], k)
            acc = point if acc is None else g.add(acc, point)
        out.append(g.identity() if acc is None else acc)
    return out


def _check_witness(relation: LinearRelation, witness: Sequence[int]) -> list[int]:
    """The witness as a list; ProvingError on a wrong shape or range, or unless it satisfies the relation."""
    if not isinstance(witness, (list, tuple)):
        raise ProvingError("sigma prover: the witness must be a list of scalars")
    witness = list(witness)
    if len(witness) != relation.num_scalars:
        raise ProvingError(f"sigma prover: expected {relation.num_scalars} witness scalars, got {len(witness)}")
    if any(not isinstance(w, int) or isinstance(w, bool) or not 0 <= w < relation.group.order for w in witness):
        raise ProvingError("sigma prover: witness scalars must be integers in [0, q)")
    g = relation.group
    if not all(g.eq(a, b) for a, b in zip(map_secret(relation, witness), relation.image(), strict=True)):
        raise ProvingError("sigma prover: the witness does not satisfy the relation")
    return witness


def prover_commitment(
    relation: LinearRelation, witness: Sequence[int], rng: Rng | None = None
) -> tuple[list[Element], ProverState]:
    """``ProverCommitment(instance, witness, rng)`` (§"Prover commitment").

    Fails (ProvingError) on a wrong-length witness and, as the draft allows,
    on a witness that does not satisfy ``image == map(witness)``.
    """
    witness = _check_witness(relation, witness)
    nonces = _draw(relation.group, rng, relation.num_scalars)
    commitment = map_secret(relation, nonces)
    if any(relation.group.is_identity(c) for c in commitment):
        raise ProvingError("sigma prover: the commitment hit the identity; retry with fresh randomness")
    return commitment, ProverState(relation, witness, nonces)


def prover_response(state: ProverState, challenge: int) -> list[int]:
    """``ProverResponse(prover_state, challenge)`` (§"Prover response"): ``nonce + witness * c``."""
    witness, nonces = state._consume()
    if len(witness) != len(nonces):
        raise ProvingError("sigma prover: witness and nonces differ in length")
    q = state.relation.group.order
    return [(k + w * challenge) % q for k, w in zip(nonces, witness, strict=True)]


def _check_transcript(
    relation: LinearRelation, commitment: Sequence[Element], challenge: int, response: Sequence[int]
) -> None:
    """``commitment[i] == map(response)[i] - challenge * image[i]``, one MSM per equation."""
    g = relation.group
    for i, (got, want) in enumerate(zip(commitment, relation.simulate(response, challenge), strict=True)):
        if not g.eq(got, want):
            raise VerificationError("sigma proof: verification equation does not hold", where=f"equation {i}")


def verifier(relation: LinearRelation, commitment: Sequence[Element], challenge: int, response: Sequence[int]) -> None:
    """``Verifier(instance, commitment, challenge, response)`` (§"Verifier"); raises VerificationError.

    The instance was validated when ``relation`` was constructed (step 1).
    """
    q = relation.group.order
    if len(commitment) != relation.num_equations or len(response) != relation.num_scalars:  # step 2
        raise VerificationError("sigma proof: transcript shape does not match the instance")
    if not isinstance(challenge, int) or not 0 <= challenge < q:
        raise VerificationError("sigma proof: challenge out of range")
    if any(not isinstance(z, int) or isinstance(z, bool) or not 0 <= z < q for z in response):
        raise VerificationError("sigma proof: response scalars out of range")
    _check_transcript(relation, commitment, challenge, response)


def simulate_response(relation: LinearRelation, rng: Rng | None = None) -> list[int]:
    """``SimulateResponse(instance, rng)`` (§"Simulator"): uniform scalars; the state is the instance."""
    return _draw(relation.group, rng, relation.num_scalars)


def simulate_commitment(relation: LinearRelation, response: Sequence[int], challenge: int) -> list[Element]:
    """``SimulateCommitment(state, response, challenge)`` (§"Simulator"): ``map(response) - c * image``."""
    return relation.simulate(response, challenge)


# ---------------------------------------------------------------------------
# Fiat–Shamir


@lru_cache(maxsize=1024)
def _session_id(tag: bytes) -> bytes:
    """``DeriveSessionID(tag)``, memoized: a pure function of the (immutable) tag bytes."""
    return derive_session_id(tag)


def tag_session_id(tag: Any) -> bytes:
    """``DeriveSessionID(tag)`` for a bytes tag; MalformedInput for anything else."""
    if not isinstance(tag, _BYTES):
        raise MalformedInput("sigma proof: the tag must be bytes")
    return _session_id(bytes(tag))


def _transcript(tag: bytes, relation: LinearRelation) -> Transcript:
    return Transcript(tag, relation.serialize(), session_id=tag_session_id(tag))


def derive_challenge(tag: bytes, relation: LinearRelation, commitment_bytes: bytes) -> int:
    """``DeriveChallenge(tag, instance, commitment_bytes)`` (§"Challenge derivation")."""
    transcript = _transcript(tag, relation)
    transcript.absorb(commitment_bytes)
    return transcript.challenge_scalar(relation.group.order)


def _as_bytes(data: Any, what: str) -> bytes:
    if not isinstance(data, _BYTES):
        raise MalformedInput(f"{what}: expected bytes, got {type(data).__name__}")
    return bytes(data)


@dataclass(frozen=True)
class BatchableProof:
    """A batchable NARG string (§"Batchable NARG strings").

    Layout: ``Group.serialize(commitment) || Scalar.serialize(response)``, that is
    ``num_equations`` elements of ``Ne`` bytes (never the identity), then
    ``num_scalars`` canonical scalars of ``Ns`` bytes; nothing else.
    """

    commitment: tuple[Element, ...]
    response: tuple[int, ...]

    def to_bytes(self, group: Group) -> bytes:
        if any(group.is_identity(c) for c in self.commitment):
            raise MalformedInput("batchable NARG string: the identity has no encoding")
        return group.encode_elements(self.commitment) + group.encode_scalars(self.response)

    @classmethod
    def from_bytes(cls, relation: LinearRelation, data: bytes) -> BatchableProof:
        g, data = relation.group, _as_bytes(data, "batchable NARG string")
        split = relation.num_equations * g.element_size
        if len(data) != split + relation.num_scalars * g.scalar_size:
            raise MalformedInput("batchable NARG string: wrong length for this instance")
        commitment = g.decode_elements(data[:split], relation.num_equations)
        return cls(tuple(commitment), tuple(g.decode_scalars(data[split:], relation.num_scalars)))


@dataclass(frozen=True)
class CompactProof:
    """A compact NARG string (§"Compact NARG strings").

    Layout: ``Scalar.serialize([challenge]) || Scalar.serialize(response)``, that is
    ``1 + num_scalars`` canonical scalars of ``Ns`` bytes; nothing else.
    """

    challenge: int
    response: tuple[int, ...]

    def to_bytes(self, group: Group) -> bytes:
        return group.encode_scalar(self.challenge) + group.encode_scalars(self.response)

    @classmethod
    def from_bytes(cls, relation: LinearRelation, data: bytes) -> CompactProof:
        g, data = relation.group, _as_bytes(data, "compact NARG string")
        if len(data) != (1 + relation.num_scalars) * g.scalar_size:
            raise MalformedInput("compact NARG string: wrong length for this instance")
        scalars = g.decode_scalars(data, 1 + relation.num_scalars)
        return cls(scalars[0], tuple(scalars[1:]))


def prove_batchable(tag: bytes, relation: LinearRelation, witness: Sequence[int], rng: Rng | None = None) -> bytes:
    """``ProveBatchable(tag, instance, witness, rng)`` (§"Batchable NARG strings")."""
    commitment, state = prover_commitment(relation, witness, rng)
    response = prover_response(state, derive_challenge(tag, relation, relation.group.encode_elements(commitment)))
    return BatchableProof(tuple(commitment), tuple(response)).to_bytes(relation.group)


def _parse_batchable(relation: LinearRelation, narg: bytes) -> BatchableProof:
    try:
        return BatchableProof.from_bytes(relation, narg)
    except MalformedInput as exc:
        raise VerificationError(f"sigma proof rejected: {exc.message}") from exc


def verify_batchable(tag: bytes, relation: LinearRelation, narg: bytes) -> None:
    """``VerifyBatchable(tag, instance, narg_string)`` (§"Batchable NARG strings"); raises VerificationError.

    Checks the exact length, decodes (canonical scalars, valid non-identity
    elements), re-derives the challenge and runs :func:`verifier`'s equation.
    """
    proof = _parse_batchable(relation, narg)
    split = relation.num_equations * relation.group.element_size
    challenge = derive_challenge(tag, relation, bytes(narg[:split]))
    _check_transcript(relation, proof.commitment, challenge, proof.response)


def prove_compact(tag: bytes, relation: LinearRelation, witness: Sequence[int], rng: Rng | None = None) -> bytes:
    """``ProveCompact(tag, instance, witness, rng)`` (§"Compact NARG strings")."""
    challenge, response = prove_compact_scalars(tag, relation, witness, rng)
    return CompactProof(challenge, tuple(response)).to_bytes(relation.group)


def prove_compact_scalars(
    tag: bytes, relation: LinearRelation, witness: Sequence[int], rng: Rng | None = None
) -> tuple[int, list[int]]:
    """:func:`prove_compact` before serialization: ``(challenge, response)``."""
    commitment, state = prover_commitment(relation, witness, rng)
    challenge = derive_challenge(tag, relation, relation.group.encode_elements(commitment))
    return challenge, prover_response(state, challenge)


def verify_compact(tag: bytes, relation: LinearRelation, narg: bytes) -> None:
    """``VerifyCompact(tag, instance, narg_string)`` (§"Compact NARG strings"); raises VerificationError."""
    try:
        proof = CompactProof.from_bytes(relation, narg)
    except MalformedInput as exc:
        raise VerificationError(f"sigma proof rejected: {exc.message}") from exc
    verify_compact_scalars(tag, relation, proof.challenge, proof.response)


def verify_compact_scalars(tag: bytes, relation: LinearRelation, challenge: int, response: Sequence[int]) -> None:
    """:func:`verify_compact` after parsing: steps 6–9 on ``challenge`` and ``response`` (range-checked here)."""
    g = relation.group
    if not isinstance(challenge, int) or isinstance(challenge, bool) or not 0 <= challenge < g.order:
        raise VerificationError("sigma proof rejected: challenge out of range")
    try:
        commitment = relation.simulate(response, challenge)  # step 6 (checks the response scalars)
    except MalformedInput as exc:
        raise VerificationError(f"sigma proof rejected: {exc.message}") from exc
    if any(g.is_identity(c) for c in commitment):  # step 7
        raise VerificationError("sigma proof rejected: the recomputed commitment is the identity")
    expected = derive_challenge(tag, relation, g.encode_elements(commitment))  # step 8
    if not hmac.compare_digest(expected.to_bytes(g.scalar_size, "big"), challenge.to_bytes(g.scalar_size, "big")):
        raise VerificationError("sigma proof rejected: challenge mismatch")  # step 9
