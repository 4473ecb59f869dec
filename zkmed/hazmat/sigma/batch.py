"""Batch verification of batchable NARG strings.

Implements draft-irtf-cfrg-sigma-protocols §"Batch verification":
:func:`batch_verify` checks many ``(tag, instance, batchable NARG string)``
triples (:func:`zkmed.hazmat.sigma.nizk.prove_batchable`) with one MSM over the
whole batch, weighting every verification equation with deterministic
batching randomness squeezed from a :class:`~zkmed.hazmat.transcript.DuplexSponge`
(§"Efficiency considerations").  A failed batch can be re-checked proof by
proof (``identify=True``) with :func:`zkmed.hazmat.sigma.nizk.verify_batchable`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.sigma.nizk import BatchableProof, tag_session_id, verify_batchable
from zkmed.hazmat.sigma.relation import LinearRelation
from zkmed.hazmat.transcript import DuplexSponge, Transcript, derive_session_id

__all__ = ["BATCH_VERIFY_TAG", "MAX_BATCH", "batch_verify"]

BATCH_VERIFY_TAG = b"irtf-cfrg-sigma-protocols/batch-verify"
MAX_BATCH = 1 << 32


def _common_group(items: list[Any]) -> Group:
    """The group every ``(tag, relation, narg)`` triple shares; MalformedInput naming the first bad item."""
    group: Group | None = None
    for i, item in enumerate(items):
        if not isinstance(item, tuple) or len(item) != 3 or not isinstance(item[1], LinearRelation):
            raise MalformedInput("batch verification: expected (tag, LinearRelation, narg) triples", where=f"proof {i}")
        g = item[1].group
        if group is None:
            group = g
        elif g is not group and g.name != group.name:
            raise MalformedInput("batch verification: all relations must share one group", where=f"proof {i}")
    if group is None:  # pragma: no cover - callers pass a non-empty list
        raise MalformedInput("batch verification: empty batch")
    return group


def batch_verify(proofs: Sequence[tuple[bytes, LinearRelation, bytes]], *, identify: bool = False) -> None:
    """Batch-verify ``(tag, relation, batchable_narg)`` triples (§"Batch verification").

    All relations must share one group.  The batching randomness is the
    RECOMMENDED deterministic one: a duplex sponge seeded with
    ``DeriveSessionID("irtf-cfrg-sigma-protocols/batch-verify")`` absorbs, for
    every proof, its session id, ``SerializeLinearRelation(instance)`` and the
    NARG string, then squeezes 16 bytes (``LE2IP``, a 128-bit scalar) per
    equation in row-major order.  The check is a single MSM over all equations
    of all proofs; elements shared between proofs (same object) are merged.

    An empty batch is accepted; ``len(proofs) >= 2^32`` is rejected.  A proof
    that does not decode is named by index.  If the combined equation fails,
    ``identify=True`` re-verifies the proofs one by one and raises a
    VerificationError naming the first bad index (``where="proof <i>"``).
    """
    if not isinstance(proofs, Sequence):
        raise MalformedInput("batch verification: expected a sequence of (tag, relation, narg) triples")
    if len(proofs) >= MAX_BATCH:
        raise VerificationError("batch verification: the batch size must be below 2^32")
    items = list(proofs)
    if not items:
        return
    parsed: list[tuple[LinearRelation, tuple[Element, ...], tuple[int, ...], int]] = []
    sponge = DuplexSponge(derive_session_id(BATCH_VERIFY_TAG))
    absorb = sponge.absorb
    group = _common_group(items)
    q = group.order
    for i, (tag, relation, narg) in enumerate(items):
        session_id = tag_session_id(tag)
        try:
            proof = BatchableProof.from_bytes(relation, narg)  # the one decoder: length, elements, scalars
        except MalformedInput as exc:
            raise VerificationError(f"batch verification: proof {i} is malformed", where=f"proof {i}") from exc
        narg, instance = bytes(narg), relation.serialize()
        transcript = Transcript(tag, instance, session_id=session_id)
        transcript.absorb(narg[: relation.num_equations * group.element_size])
        parsed.append((relation, proof.commitment, proof.response, transcript.challenge_scalar(q)))
        absorb(session_id)
        absorb(instance)
        absorb(narg)
    randomness = sponge.squeeze(16 * sum(r.num_equations for r, _, _, _ in parsed))
    weights = iter([int.from_bytes(randomness[j : j + 16], "little") for j in range(0, len(randomness), 16)])
    gen = 0
    scalars: list[int] = []
    points: list[Element] = []
    position: dict[int, int] = {}  # id(instance element) -> its slot, so shared elements are merged
    for relation, commitments, response, challenge in parsed:
        elements = relation.elements
        for commitment, pairs in zip(commitments, relation.combination(response, challenge), strict=True):
            weight = next(weights)
            scalars.append(weight)
            points.append(commitment)
            for e, k in pairs:
                if e == 0:
                    gen -= weight * k
                    continue
                element = elements[e]
                at = position.get(id(element))
                if at is None:
                    position[id(element)] = len(points)
                    scalars.append(-weight * k)
                    points.append(element)
                else:
                    scalars[at] -= weight * k
    if group.is_identity(group.msm(scalars, points, gen_scalar=gen)):  # msm reduces mod q
        return
    if identify:
        for i, (tag, relation, narg) in enumerate(items):
            try:
                verify_batchable(tag, relation, narg)
            except VerificationError as exc:
                raise VerificationError(f"batch verification: proof {i} is invalid", where=f"proof {i}") from exc
    raise VerificationError("batch verification failed")
