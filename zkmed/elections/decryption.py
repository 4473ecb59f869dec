"""Threshold decryption: partial decryptions with a batched Chaum–Pedersen proof, Lagrange combination.

Trustee i, holding ``s_i`` with ``K_i = s_i·G``, posts ``M_j = s_i·alpha_j`` for every ciphertext
``(alpha_j, beta_j)`` and ONE proof that every ``M_j`` uses the ``s_i`` of ``K_i``: a
Chaum–Pedersen proof of ``log_G K_i = log_A M`` for the random combinations
``A = Σ ρ_j·alpha_j`` and ``M = Σ ρ_j·M_j``, with 128-bit weights ``ρ_j`` squeezed from the
transcript after the whole statement (group, index, G, K_i, every ciphertext, every M_j) is
absorbed.  A single wrong ``M_j`` makes the combined statement false except with probability
2^-128.  The proof is in batchable form ``(T_0, T_1, z)`` so :func:`combine` checks the proofs
of all trustees with one MSM.  Math and verification steps: ``docs/election-ceremony.md``.

``combine`` excludes invalid partial decryptions (naming the reason), needs ``k`` valid ones,
computes ``m_j·G = beta_j − Σ_{i∈S} λ_i·M_ij`` with the Lagrange coefficients at 0 of the
first k valid indices ``S``, and recovers ``m_j`` by baby-step/giant-step up to ``max_value``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zkmed import formats
from zkmed.canonical_json import canonical_json
from zkmed.elections.ceremony_keys import JointKey, TrusteeShare
from zkmed.elections.ceremony_messages import MAX_TRUSTEES, decode_element, encode_element
from zkmed.elections.dlog import discrete_log, dlog_table
from zkmed.elections.elgamal import Ciphertext
from zkmed.elections.fields import b64_encode, b64_field, exact_fields, int_field, list_field, load_payload
from zkmed.encoding import length_prefixed, u32
from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.groups import Element, Group
from zkmed.hazmat.sigma.nizk import Rng
from zkmed.hazmat.transcript import Transcript
from zkmed.proofs.sigma import recipe_tag

__all__ = [
    "MAX_CIPHERTEXTS", "DecryptionResult", "PartialDecryption", "combine", "lagrange_at_zero", "partial_decrypt",
    "verify_partial_decryption",
]  # fmt: skip

MAX_CIPHERTEXTS = 1 << 16
RECIPE = "election-partial-decryption"


@dataclass(frozen=True)
class PartialDecryption:
    """Trustee ``index``'s ``M_j = s_index·alpha_j`` and its batched Chaum–Pedersen proof ``(T_0, T_1, z)``."""

    FORMAT = formats.ELECTION_PARTIAL_DECRYPTION
    group: Group = field(repr=False)
    index: int
    shares: tuple[Element, ...] = field(repr=False)
    commitments: tuple[Element, Element] = field(repr=False)
    response: int = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        g = self.group
        return {
            **self.FORMAT.json_header(),
            "trustee": self.index,
            "shares": [encode_element(g, m) for m in self.shares],
            "proof": {
                "commitments": [encode_element(g, t) for t in self.commitments],
                "response": b64_encode(g.encode_scalar(self.response)),
            },
        }

    def to_payload(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_payload(cls, group: Group, data: bytes) -> PartialDecryption:
        """Parse and validate (elements in the group and not the identity, the response < q)."""
        obj = load_payload(cls.FORMAT, data)
        w = "partial-decryption"
        exact_fields(obj, {"type", "version", "trustee", "shares", "proof"}, w)
        index = int_field(obj, "trustee", w, 1, MAX_TRUSTEES)
        shares = list_field(obj, "shares", w, 1, MAX_CIPHERTEXTS)
        proof = exact_fields(obj["proof"], {"commitments", "response"}, f"{w}.proof")
        ts = list_field(proof, "commitments", f"{w}.proof", 2, 2)
        raw = b64_field(proof["response"], f"{w}.proof.response", group.scalar_size)
        try:
            z = group.decode_scalar(raw)
        except MalformedInput as exc:
            raise MalformedInput(f"{w}.proof.response: {exc.message}", where=f"{w}.proof.response") from exc
        t0, t1 = (decode_element(group, t, f"{w}.proof.commitments[{j}]") for j, t in enumerate(ts))
        return cls(group, index, tuple(decode_element(group, m, f"{w}.shares[{j}]") for j, m in enumerate(shares)),
                   (t0, t1), z)  # fmt: skip


@dataclass(frozen=True)
class DecryptionResult:
    """The decrypted values, the trustees whose partial decryptions were used, and those excluded (with why)."""

    values: tuple[int, ...]
    used: tuple[int, ...]
    excluded: dict[int, str]


def _check_ciphertexts(group: Group, ciphertexts: Sequence[Ciphertext]) -> list[Ciphertext]:
    cts = list(ciphertexts) if isinstance(ciphertexts, Sequence) else None
    if cts is None or not 1 <= len(cts) <= MAX_CIPHERTEXTS or any(type(c) is not Ciphertext for c in cts):
        raise MalformedInput(f"decryption: expected 1 to {MAX_CIPHERTEXTS} Ciphertext objects")
    return cts


def _statement(
    group: Group, index: int, key: Element, encoded_cts: bytes, count: int, shares: Sequence[Element], context: bytes
) -> tuple[Transcript, list[int]]:
    """The transcript after the statement, and the 128-bit weights ``ρ_j`` squeezed from it."""
    instance = (
        length_prefixed(group.name.encode())
        + u32(index)
        + group.encode_element(group.generator())
        + group.encode_element(key)
        + u32(count)
        + encoded_cts
        + group.encode_elements(shares)
    )
    t = Transcript(recipe_tag(RECIPE, context), instance)
    raw = t.challenge_bytes(16 * count, b"weights")
    return t, [int.from_bytes(raw[i : i + 16], "little") for i in range(0, len(raw), 16)]


def _challenge(group: Group, t: Transcript, t0: Element, t1: Element) -> int:
    t.append_elements(b"commitments", group, [t0, t1])
    return t.challenge_scalar(group.order, b"challenge")


def _encode_cts(group: Group, cts: Sequence[Ciphertext]) -> bytes:
    return b"".join(c.encode(group) for c in cts)


def partial_decrypt(
    group: Group, share: TrusteeShare, ciphertexts: Sequence[Ciphertext], *, context: bytes, rng: Rng | None = None
) -> PartialDecryption:
    """``M_j = s·alpha_j`` for every ciphertext, with the batched Chaum–Pedersen proof bound to ``context``."""
    if not isinstance(share, TrusteeShare) or share.group_name != group.name:
        raise MalformedInput(f"partial_decrypt: expected a TrusteeShare of {group.name}")
    if not isinstance(context, bytes):
        raise MalformedInput("partial_decrypt: the context must be bytes")
    cts = _check_ciphertexts(group, ciphertexts)
    s = share.secret
    shares = [group.mul_secret(c.alpha, s) for c in cts]
    t, rho = _statement(group, share.index, share.public, _encode_cts(group, cts), len(cts), shares, context)
    a = group.msm(rho, [c.alpha for c in cts])
    w = group.random_scalar() if rng is None else rng()
    if not isinstance(w, int) or not 0 <= w < group.order:
        raise MalformedInput("partial_decrypt: rng must return scalars in [0, q)")
    t0, t1 = group.mul_gen_secret(w), group.mul_secret(a, w)
    c = _challenge(group, t, t0, t1)
    return PartialDecryption(group, share.index, tuple(shares), (t0, t1), (w + c * s) % group.order)


def _structure(group: Group, joint: JointKey, count: int, p: Any) -> str | None:
    """Why ``p`` cannot be a partial decryption of these ``count`` ciphertexts (None if it can)."""
    if type(p) is not PartialDecryption or p.group.name != group.name:
        return f"not a partial decryption of {group.name}"
    if not 1 <= p.index <= joint.n:
        return f"trustee index out of range 1..{joint.n}"
    if len(p.shares) != count:
        return f"{len(p.shares)} decryption shares for {count} ciphertexts"
    return None


def _batch_check(
    group: Group, joint: JointKey, cts: Sequence[Ciphertext], encoded: bytes, partials: Sequence[PartialDecryption],
    context: bytes,
) -> bool:  # fmt: skip
    """All proofs at once: one MSM over Σ_t u_t·(z_t·G − T0_t − c_t·K_t) + v_t·(z_t·A_t − T1_t − c_t·M_t)."""
    q = group.order
    batch = Transcript(recipe_tag(RECIPE + "-batch", context), u32(len(partials)) + encoded)
    rows = []
    for p in partials:
        t, rho = _statement(group, p.index, joint.trustee_key(p.index), encoded, len(cts), p.shares, context)
        c = _challenge(group, t, *p.commitments)
        batch.append_scalars(b"proof", group, [c, p.response])
        rows.append((p, rho, c))
    raw = batch.challenge_bytes(32 * len(rows), b"batch-weights")
    gen = 0
    alpha_coeffs = [0] * len(cts)
    scalars: list[int] = []
    points: list[Element] = []
    for n, (p, rho, c) in enumerate(rows):
        u = int.from_bytes(raw[32 * n : 32 * n + 16], "little")
        v = int.from_bytes(raw[32 * n + 16 : 32 * n + 32], "little")
        gen += u * p.response
        vz, vc = v * p.response % q, v * c % q
        for j, r in enumerate(rho):
            alpha_coeffs[j] += vz * r
            scalars.append(-vc * r)
            points.append(p.shares[j])
        scalars += [-u, -v, -u * c]
        points += [p.commitments[0], p.commitments[1], joint.trustee_key(p.index)]
    scalars += alpha_coeffs
    points += [c.alpha for c in cts]
    return bool(group.is_identity(group.msm(scalars, points, gen_scalar=gen)))


def _check_args(group: Group, joint: JointKey, context: bytes) -> None:
    if not isinstance(joint, JointKey) or joint.group_name != group.name:
        raise MalformedInput(f"decryption: expected a JointKey of {group.name}")
    if not isinstance(context, bytes):
        raise MalformedInput("decryption: the context must be bytes")


def verify_partial_decryption(
    group: Group, joint: JointKey, ciphertexts: Sequence[Ciphertext], partial: PartialDecryption, *, context: bytes
) -> None:
    """None if ``partial`` is trustee ``partial.index``'s correct partial decryption; VerificationError otherwise."""
    _check_args(group, joint, context)
    cts = _check_ciphertexts(group, ciphertexts)
    why = _structure(group, joint, len(cts), partial)
    if why is None and not _batch_check(group, joint, cts, _encode_cts(group, cts), [partial], context):
        why = "the Chaum–Pedersen proof is invalid"
    if why is not None:
        who = f"trustee {partial.index}" if type(partial) is PartialDecryption else "partial decryption"
        raise VerificationError(f"{who}: {why}", where=who)


def lagrange_at_zero(indices: Sequence[int], q: int) -> list[int]:
    """``λ_i = Π_{l≠i} l / (l − i) mod q`` for each ``i`` in ``indices`` (distinct, non-zero mod q)."""
    out = []
    for i in indices:
        num = den = 1
        for m in indices:
            if m != i:
                num = num * m % q
                den = den * (m - i) % q
        out.append(num * pow(den, -1, q) % q)
    return out


def combine(
    group: Group, joint: JointKey, ciphertexts: Sequence[Ciphertext], partials: Sequence[PartialDecryption], *,
    context: bytes, max_value: int,
) -> DecryptionResult:  # fmt: skip
    """Verify the partial decryptions (batched), exclude invalid ones, and decrypt with k valid ones.

    VerificationError when fewer than k are valid, or when a value is not in ``[0, max_value]``.
    """
    _check_args(group, joint, context)
    cts = _check_ciphertexts(group, ciphertexts)
    dlog_table(group, max_value)  # MalformedInput for a bad bound, before any work
    encoded = _encode_cts(group, cts)
    if not isinstance(partials, Sequence) or any(type(p) is not PartialDecryption for p in partials):
        raise MalformedInput("combine: expected a sequence of PartialDecryption objects")
    excluded: dict[int, str] = {}
    by_index: dict[int, list[PartialDecryption]] = {}
    for p in partials:
        why = _structure(group, joint, len(cts), p)
        if why is None:
            by_index.setdefault(p.index, []).append(p)
        else:
            excluded.setdefault(p.index, why)
    valid: dict[int, PartialDecryption] = {}
    first = [ps[0] for ps in by_index.values()]
    if first and _batch_check(group, joint, cts, encoded, first, context):
        valid = {p.index: p for p in first}
    else:  # identify: one by one; a trustee's later partial decryption gets its chance if the first fails
        for i, ps in by_index.items():
            ok = next((p for p in ps if _batch_check(group, joint, cts, encoded, [p], context)), None)
            if ok is None:
                excluded[i] = "the Chaum–Pedersen proof is invalid"
            else:
                valid[i] = ok
    for i in valid:
        excluded.pop(i, None)
    if len(valid) < joint.k:
        detail = "; ".join(f"trustee {i}: {why}" for i, why in sorted(excluded.items()))
        raise VerificationError(
            f"decryption needs {joint.k} valid partial decryptions, got {len(valid)}"
            + (f" ({detail})" if detail else ""),
            where="decryption",
        )
    used = tuple(sorted(valid)[: joint.k])
    lambdas = lagrange_at_zero(used, group.order)
    values = []
    for j, c in enumerate(cts):
        point = group.msm([1, *(-lam for lam in lambdas)], [c.beta, *(valid[i].shares[j] for i in used)])
        try:
            values.append(discrete_log(group, point, max_value))
        except VerificationError as exc:
            raise VerificationError(f"ciphertext {j}: the decrypted value is not in [0, {max_value}]",
                                    where=f"ciphertext {j}") from exc  # fmt: skip
    return DecryptionResult(tuple(values), used, excluded)
