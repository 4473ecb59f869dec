"""Range proofs on exponential-ElGamal ciphertexts: a selection in ``0..R``, a contest sum in ``0..L``.

The statement is :mod:`zkmed.circuits.ballot` (declared once with the DSL): the CDS94 OR
over ``v ∈ lo..hi`` of ``alpha = r·G ∧ beta − v·G = r·K``.  The proof is **batchable**: it
carries the branch commitments next to the branch challenges and responses, so that
many proofs verify in one random linear combination (:class:`ProofBatch`).

Wire form (``zkmed.election.selection-proof`` body, inside ballot payloads, base64)::

    A_{0,1} ‖ A_{0,2} ‖ … ‖ A_{k-1,2}     2k elements (branch, equation order)
    c_0 ‖ … ‖ c_{k-2}                     k − 1 scalars (c_{k-1} = c − Σ c_i)
    s_0 ‖ … ‖ s_{k-1}                     k scalars

where ``k = hi − lo + 1`` comes from the manifest (never from the proof) and
``c = H(tag, or_instance, A)`` is the challenge of :mod:`zkmed.hazmat.sigma.compose`
(same tag completion, instance and absorption), so ``(c, c_0..c_{k-2}, s_0..s_{k-1})``
is also a valid compact OR proof (:func:`verify_range_with_compose` checks it so, the
reference).  :func:`verify_range` (one by one) recomputes each branch's commitments and
compares them with the carried ones; :class:`ProofBatch` sums every equation of many
proofs into one MSM.  Both write the OR instance from the encodings
(:func:`or_instance_bytes`, byte-equal to compose's).

The tag binds the protocol label, the group, the caller's ``context`` (election base
hash, ballot id, contest index, option index — :func:`proof_context`), ``lo``, ``hi``,
the election key and the ciphertext; the instance binds the key, ``alpha`` and every
``beta − v·G``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from zkmed.circuits import ballot as circuit
from zkmed.encoding import Writer, le_uint, length_prefixed, u32
from zkmed.errors import MalformedInput, ProvingError, VerificationError, ZkmedError
from zkmed.hazmat.groups import Element, FixedBase, Group
from zkmed.hazmat.sigma import compose
from zkmed.hazmat.sigma.compiled import Encoded
from zkmed.hazmat.sigma.compose import full_tag, or_instance
from zkmed.hazmat.sigma.nizk import tag_session_id
from zkmed.hazmat.sigma.relation import LinearRelation
from zkmed.hazmat.transcript import DuplexSponge, Transcript, derive_session_id

from .elgamal import Ciphertext, encrypt

__all__ = [
    "SUM_INDEX", "ElectionKey", "ProofBatch", "RangeProof", "proof_context", "prove_opened_range", "prove_range",
    "verify_range", "verify_range_with_compose",
]  # fmt: skip

PROTOCOL_TAG = b"zkmed/v1/election-ciphertext-range"
BATCH_TAG = b"zkmed/v1/election-batch-verify"
#: the option index a contest's sum proof binds (no option has it)
SUM_INDEX = 0xFFFFFFFF


def proof_context(base_hash: bytes, ballot_id: str, contest_index: int, option_index: int) -> bytes:
    """The context every ballot proof binds: base hash, ballot id, contest and option index (or SUM_INDEX)."""
    # Writer().bytes_lp(base_hash).text(ballot_id).u32(contest_index).u32(option_index), written directly
    return b"".join(
        (length_prefixed(base_hash), length_prefixed(ballot_id.encode("utf-8")), u32(contest_index), u32(option_index))
    )


@dataclass(frozen=True)
class ElectionKey:
    """The election public key ``K`` with its encoding and a fixed-base table (provers).

    The parts of every proof's statement that depend on the group and the key only, written once
    per key: ``branch_prefix``, the serialized shape of :data:`zkmed.circuits.ballot.BRANCH`
    followed by ``K``'s encoding (each branch of :func:`or_instance_bytes`), and ``tag_frame``,
    the fixed pieces of :func:`_tag` (protocol label and group name; ``lp(K)``; compose's suffix);
    ``identity_encoding``, the group's encoding of the identity (no commitment may be it).
    """

    group: Group
    base: FixedBase
    branch_prefix: bytes
    tag_frame: tuple[bytes, bytes, bytes]
    identity_encoding: bytes

    @classmethod
    def of(cls, group: Group, key: Element) -> ElectionKey:
        base = group.fixed_base(key)
        head = Writer().bytes_lp(PROTOCOL_TAG).text(group.name).finish()
        tail = full_tag(b"-", b"CDSOR", group)[1:]  # compose's "-CDSOR-with-<suite>"
        frame = (head, length_prefixed(base.encoding), tail)
        prefix = circuit.BRANCH.shape.prefix(group) + base.encoding
        return cls(group, base, prefix, frame, group.encode_element(group.identity()))

    @property
    def point(self) -> Element:
        return self.base.point


@dataclass(frozen=True)
class RangeProof:
    """Branch commitments (2 per branch), branch challenges ``c_0..c_{k-1}`` and responses ``s_0..s_{k-1}``.

    ``commitment_bytes`` is the prover's encoding of ``commitments`` (the bytes its challenge
    absorbed), kept so that :meth:`to_bytes` does not serialize the points a second time;
    empty for a proof built by hand, which :meth:`to_bytes` then encodes.
    """

    commitments: tuple[Element, ...]
    challenges: tuple[int, ...]
    responses: tuple[int, ...]
    commitment_bytes: bytes = field(default=b"", repr=False, compare=False)

    def to_bytes(self, group: Group) -> bytes:
        raw = self.commitment_bytes or group.encode_elements(self.commitments)
        return raw + group.encode_scalars([*self.challenges[:-1], *self.responses])

    @staticmethod
    def size(group: Group, branches: int) -> int:
        return 2 * branches * group.element_size + (2 * branches - 1) * group.scalar_size

    @classmethod
    def split(cls, group: Group, data: bytes, branches: int) -> tuple[bytes, list[int]]:
        """``(commitment bytes, scalars)``: exact length, scalars < q (the commitments not decoded)."""
        if not isinstance(data, (bytes, bytearray)) or len(data) != cls.size(group, branches):
            raise MalformedInput(f"range proof: expected {cls.size(group, branches)} bytes for {branches} branches")
        n = 2 * branches * group.element_size
        return bytes(data[:n]), group.decode_scalars(bytes(data[n:]), 2 * branches - 1)

    @classmethod
    def decode(cls, group: Group, data: bytes, branches: int) -> tuple[tuple[Element, ...], bytes, list[int]]:
        """``(commitments, commitment bytes, scalars)``: exact length, valid non-identity elements, scalars < q."""
        raw, scalars = cls.split(group, data, branches)
        return tuple(group.decode_elements(raw, 2 * branches)), raw, scalars


def _tag(group: Group, key: ElectionKey, ct_bytes: bytes, lo: int, hi: int, context: bytes) -> bytes:
    """The completed tag: protocol label, group, context, ``lo``, ``hi``, ``K``, the ciphertext; then compose's suffix.

    ``lp(label) ‖ lp(group) ‖ lp(context) ‖ u32(lo) ‖ u32(hi) ‖ lp(K) ‖ lp(ct) ‖ "-CDSOR-with-" ‖ suite``
    (the key's :attr:`ElectionKey.tag_frame` holds the fixed parts).
    """
    head, key_lp, tail = key.tag_frame
    return b"".join((head, length_prefixed(context), u32(lo), u32(hi), key_lp, length_prefixed(ct_bytes), tail))


def _statement(
    group: Group, key: ElectionKey, ct: Ciphertext, ct_bytes: bytes, lo: int, hi: int, context: bytes
) -> tuple[bytes, list[LinearRelation]]:
    """The completed tag and the bound branch relations (MalformedInput for a degenerate instance)."""
    alpha = Encoded(ct.alpha, ct_bytes[: group.element_size])
    values = circuit.range_elements(group, key.base, alpha, ct.beta, lo, hi)
    return _tag(group, key, ct_bytes, lo, hi, context), circuit.disjunction(hi - lo + 1).bind(group, values)


def or_instance_bytes(group: Group, key: ElectionKey, alpha_bytes: bytes, shifted: Sequence[bytes]) -> bytes:
    """compose's ``or_instance`` of the bound branches, written directly from the encodings (the batch's fast path).

    ``u32le(k) ‖ (u32le(len) ‖ prefix ‖ K ‖ alpha ‖ D_v)*`` with ``prefix`` the serialized shape of
    :data:`zkmed.circuits.ballot.BRANCH` (equal to :func:`~zkmed.hazmat.sigma.compose.or_instance`;
    a test holds them together).
    """
    prefix = key.branch_prefix + alpha_bytes
    size = le_uint(len(prefix) + group.element_size, 4)
    return le_uint(len(shifted), 4) + b"".join(size + prefix + d for d in shifted)


def _compose_challenge(tag: bytes, relations: Sequence[LinearRelation], commitment_bytes: bytes, q: int) -> int:
    """compose's OR challenge over the bound relations (the reference :func:`_challenge` is tested against)."""
    transcript = Transcript(tag, or_instance(relations), session_id=tag_session_id(tag))
    transcript.absorb(commitment_bytes)
    return transcript.challenge_scalar(q)


def prove_range(
    group: Group,
    key: ElectionKey,
    ct: Ciphertext,
    lo: int,
    hi: int,
    value: int,
    nonce: int,
    *,
    context: bytes,
    rng: Callable[[], int] | None = None,
) -> RangeProof:
    """Prove that ``ct = (r·G, r·K + value·G)`` encrypts a value in ``lo..hi`` (CDS94; constant-time per branch).

    ProvingError for a value outside the range or a ``(value, nonce)`` that does not open ``ct``.
    """
    if not isinstance(nonce, int) or isinstance(nonce, bool) or not 0 < nonce < group.order:
        raise ProvingError("range prover: the nonce must be in [1, q)")
    if not (isinstance(value, int) and lo <= value <= hi):
        raise ProvingError(f"the value is outside {lo}..{hi}; refusing to prove")
    if not encrypt(group, key.base, value, nonce).eq(group, ct):
        raise ProvingError("range prover: (value, nonce) does not open the ciphertext")
    return prove_opened_range(group, key, ct, lo, hi, value, nonce, context=context, rng=rng)


def prove_opened_range(
    group: Group,
    key: ElectionKey,
    ct: Ciphertext,
    lo: int,
    hi: int,
    value: int,
    nonce: int,
    *,
    context: bytes,
    rng: Callable[[], int] | None = None,
    ct_bytes: bytes = b"",
) -> RangeProof:
    """:func:`prove_range` for a ciphertext the caller has just made from ``(value, nonce)`` (no opening check).

    ``ct_bytes``: the caller's encoding of ``ct`` if it has one (encoded here otherwise).
    The challenge is the verifier's :func:`_challenge` (compose's, from the encodings);
    tests check every proof against :func:`verify_range_with_compose` too.
    """
    if not lo <= value <= hi:
        raise ProvingError(f"the value is outside {lo}..{hi}; refusing to prove")
    ct_bytes = ct_bytes or ct.encode(group)
    try:
        shifted = _shifted(group, ct, ct_bytes, lo, hi, ProvingError, None)
    except ProvingError as exc:
        raise ProvingError(f"cannot prove an invalid statement: {exc.message}") from exc
    q, k, real = group.order, hi - lo + 1, value - lo
    draw = rng or group.random_scalar
    nonces = [draw() for _ in range(k)]
    sim = [draw() for _ in range(k)]
    bits = [int(i == real) for i in range(k)]
    # compose's commitments A_i = map(r_i) − e_i·image_i for every branch, with alpha = r·G and
    # D_v = r·K + (value − v)·G substituted: A_i1 = t_i·G, A_i2 = t_i·K − e_i·(value − v)·G with
    # t_i = r_i − e_i·r — the same three fixed-base constant-time multiplications for every branch
    gen, key_base, add = group.mul_gen_secret, key.base, group.add
    commitments: list[Element] = []
    for i in range(k):
        t = (nonces[i] - sim[i] * nonce) % q
        commitments.append(gen(t))
        commitments.append(add(key_base.mul_secret(t), gen(-sim[i] * (value - lo - i) % q)))
    if any(group.is_identity(a) for a in commitments):
        raise ProvingError("range prover: a commitment hit the identity; retry")
    raw = group.encode_elements(commitments)
    c = _challenge(group, key, ct_bytes, lo, hi, context, [d for _, d in shifted], raw)
    c_real = (c - sum(e * (1 - b) for e, b in zip(sim, bits, strict=True))) % q
    challenges = tuple((e * (1 - b) + c_real * b) % q for e, b in zip(sim, bits, strict=True))
    responses = tuple((nonces[i] + (challenges[i] - sim[i]) * bits[i] * nonce) % q for i in range(k))
    return RangeProof(tuple(commitments), challenges, responses, raw)


def _shifted(
    group: Group, ct: Ciphertext, ct_bytes: bytes, lo: int, hi: int, err: type[ZkmedError], where: str | None
) -> list[tuple[Element, bytes]]:
    """``D_v = beta − v·G`` and its encoding for ``v = lo..hi``; ``err`` for an invalid range or an identity ``D_v``.

    ``D_0 = beta``: its encoding is the second half of ``ct_bytes`` (not serialized again).
    """
    if not (isinstance(lo, int) and isinstance(hi, int)) or not 0 <= lo < hi or hi - lo + 1 > circuit.MAX_OR_BRANCHES:
        raise err(f"range proof rejected: invalid range {lo}..{hi}", where=where)
    d = ct.beta if lo == 0 else group.sub(ct.beta, group.mul_gen(lo))
    neg_g = group.neg(group.generator())
    out = []
    for i in range(hi - lo + 1):
        if i:
            d = group.add(d, neg_g)
        if group.is_identity(d):
            raise err("range proof rejected: a branch element is the identity", where=where)
        out.append((d, ct_bytes[group.element_size :] if i == 0 and lo == 0 else group.encode_element(d)))
    return out


def _challenge(
    group: Group, key: ElectionKey, ct_bytes: bytes, lo: int, hi: int, context: bytes, shifted: list[bytes], raw: bytes
) -> int:
    """compose's OR challenge from the encodings (tag, :func:`or_instance_bytes`, then the commitments).

    The one challenge of the prover, :func:`verify_range` and :class:`ProofBatch`.
    """
    tag = _tag(group, key, ct_bytes, lo, hi, context)
    transcript = Transcript(tag, or_instance_bytes(group, key, ct_bytes[: group.element_size], shifted))
    transcript.absorb(raw)
    return transcript.challenge_scalar(group.order)


def verify_range(
    group: Group, key: ElectionKey, ct: Ciphertext, ct_bytes: bytes, lo: int, hi: int, proof: bytes, *, context: bytes
) -> None:
    """One proof on its own: recompute every branch's commitments and compare them with the carried ones.

    ``c`` is compose's challenge over the carried commitments; per branch ``v`` (challenge
    ``c_v``, response ``s_v``) ``A_1 = s_v·G − c_v·alpha`` and ``A_2 = s_v·K − c_v·D_v`` with
    ``D_v = beta − v·G`` (one 2-term MSM each) must equal the carried ``A_1, A_2`` byte for byte — the check of
    :func:`~zkmed.hazmat.sigma.compose.verify_or_scalars` (which recomputes them and compares
    their hash with ``c``), written for this statement; :func:`verify_range_with_compose` runs
    compose itself (tests hold the two together).
    """
    k = hi - lo + 1
    shifted = _shifted(group, ct, ct_bytes, lo, hi, VerificationError, None)
    try:
        raw, scalars = RangeProof.split(group, proof, k)
    except MalformedInput as exc:
        raise VerificationError(f"range proof rejected: {exc.message}") from exc
    q = group.order
    c = _challenge(group, key, ct_bytes, lo, hi, context, [d for _, d in shifted], raw)
    challenges = [*scalars[: k - 1], (c - sum(scalars[: k - 1])) % q]
    msm, encode, key_point, alpha = group.msm, group.encode_element, key.point, ct.alpha
    ne, at = group.element_size, 0
    carried = [raw[i : i + ne] for i in range(0, len(raw), ne)]
    if key.identity_encoding in carried:  # a recomputed identity could only match the identity's encoding
        raise VerificationError("range proof rejected: a commitment is the identity")
    for (c_i, s_i), (d, _) in zip(zip(challenges, scalars[k - 1 :], strict=True), shifted, strict=True):
        # A_1 = s·G − c·alpha, A_2 = s·K − c·D_v (D_v = beta − v·G already computed): two 2-term MSMs
        for a in (msm([q - c_i], [alpha], gen_scalar=s_i), msm([s_i, q - c_i], [key_point, d])):
            if encode(a) != carried[at]:
                raise VerificationError("range proof rejected: a commitment does not match its challenge and response")
            at += 1


def verify_range_with_compose(
    group: Group, key: ElectionKey, ct: Ciphertext, ct_bytes: bytes, lo: int, hi: int, proof: bytes, *, context: bytes
) -> None:
    """:func:`verify_range` through the DSL-bound relations and :func:`~zkmed.hazmat.sigma.compose.verify_or_scalars`.

    The reference the fast paths are tested against: the compact part of the proof must be a
    valid compose OR proof of the circuit's statement, and the carried commitments must hash to its challenge.
    """
    k = hi - lo + 1
    try:
        raw, scalars = RangeProof.split(group, proof, k)
        tag, rels = _statement(group, key, ct, ct_bytes, lo, hi, context)
    except MalformedInput as exc:
        raise VerificationError(f"range proof rejected: {exc.message}") from exc
    c = _compose_challenge(tag, rels, raw, group.order)
    compose.verify_or_scalars(tag, rels, [c, *scalars])


class ProofBatch:
    """Many range proofs checked with one random linear combination (one MSM).

    :meth:`add` parses a proof and derives its challenge; :meth:`verify` draws 128-bit
    weights from a sponge that absorbed every proof's challenge and bytes plus fresh OS
    randomness, then checks ``Σ w·(A − s·base + c·image) = 0`` over all equations.
    ``labels`` name each proof (e.g. the ledger entry) for the caller's diagnostics.
    """

    def __init__(self, group: Group) -> None:
        self.group = group
        self.labels: list[str] = []
        self._items: list[tuple[ElectionKey, Ciphertext, int, tuple[Element, ...], list[int], list[int]]] = []
        self._sponge = DuplexSponge(derive_session_id(BATCH_TAG))

    def __len__(self) -> int:
        return len(self._items)

    def add(
        self,
        key: ElectionKey,
        ct: Ciphertext,
        ct_bytes: bytes,
        lo: int,
        hi: int,
        proof: bytes,
        *,
        context: bytes,
        label: str = "",
    ) -> None:
        """Parse one proof into the batch; VerificationError at once if it is malformed or its instance degenerate.

        The same statement as :func:`verify_range` (tag, OR instance, challenge), written without
        binding :class:`LinearRelation` objects: the branch elements ``D_v = beta − v·G`` are
        computed, checked not to be the identity (instance validation) and encoded for the challenge.
        """
        group, k = self.group, hi - lo + 1
        shifted = [d for _, d in _shifted(group, ct, ct_bytes, lo, hi, VerificationError, label or None)]
        try:
            points, raw, scalars = RangeProof.decode(group, proof, k)
        except MalformedInput as exc:
            raise VerificationError(f"range proof rejected: {exc.message}", where=label or None) from exc
        q = group.order
        c = _challenge(group, key, ct_bytes, lo, hi, context, shifted, raw)
        challenges = [*scalars[: k - 1], (c - sum(scalars[: k - 1])) % q]
        self._items.append((key, ct, lo, points, challenges, scalars[k - 1 :]))
        self._sponge.absorb(group.encode_scalar(c) + bytes(proof))
        self.labels.append(label)

    def verify(self) -> None:
        """VerificationError unless every added proof holds (the batch as a whole: use one-by-one to find which).

        Per branch ``v`` with challenge ``c``, response ``s`` and weights ``w1, w2``::

            w1·(A_1 − s·G + c·alpha) + w2·(A_2 − s·K + c·beta − c·v·G)

        summed over every branch of every proof: one MSM over the commitments, each
        ciphertext's ``alpha`` and ``beta``, each key ``K`` once, and ``G``.
        """
        if not self._items:
            return
        group = self.group
        q = group.order
        self._sponge.absorb(secrets.token_bytes(32))
        count = sum(2 * len(item[4]) for item in self._items)
        randomness = self._sponge.squeeze(16 * count)
        weights = [int.from_bytes(randomness[j : j + 16], "little") for j in range(0, len(randomness), 16)]
        gen = 0
        scalars: list[int] = []
        points: list[Element] = []
        keys: dict[int, int] = {}
        at = 0
        for key, ct, lo, commitments, challenges, responses in self._items:
            a_coeff = b_coeff = k_coeff = 0
            for i, (c, s) in enumerate(zip(challenges, responses, strict=True)):
                w1, w2 = weights[at], weights[at + 1]
                at += 2
                scalars.append(w1)
                points.append(commitments[2 * i])
                scalars.append(w2)
                points.append(commitments[2 * i + 1])
                gen -= w1 * s + w2 * c * (lo + i)
                a_coeff += w1 * c
                b_coeff += w2 * c
                k_coeff -= w2 * s
            scalars += [a_coeff % q, b_coeff % q]
            points += [ct.alpha, ct.beta]
            slot = keys.get(id(key))
            if slot is None:
                keys[id(key)] = len(points)
                scalars.append(k_coeff % q)
                points.append(key.point)
            else:
                scalars[slot] = (scalars[slot] + k_coeff) % q
        if not group.is_identity(group.msm(scalars, points, gen_scalar=gen % q)):
            raise VerificationError("batch verification of the ballot proofs failed")
