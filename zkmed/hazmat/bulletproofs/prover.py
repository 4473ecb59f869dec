"""The Bulletproofs range-proof prover (Bünz et al., IEEE S&P 2018, §4.1, §4.3), written for secret inputs.

Secrets reach the group only through secret-scalar multiplications; ``A`` (eq. 44),
with ``P_i = G_i + H_i``, costs one multiplication by 1 or 2 per bit (never 0)::

    A = α·H + Σ a_i·G_i + Σ (a_i − 1)·H_i = α·H + Σ (a_i + 1)·P_i − (Σ P_i + Σ H_i)

The number and kind of group operations depend only on ``(n, m)``; the ``3N + 1``
multiplications of ``A`` and ``S`` are split across threads like a large MSM.
Equations and the rest of the secret handling: ``docs/rangeproofs.md``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from zkmed.errors import MalformedInput, ProvingError
from zkmed.hazmat.bulletproofs.generators import DEFAULT_GENS_LABEL, BulletproofGens
from zkmed.hazmat.bulletproofs.inner_product import prove_inner_product
from zkmed.hazmat.bulletproofs.proof import (
    RangeProof,
    check_shape,
    msm_g,
    padded_count,
    powers,
    statement_transcript,
)
from zkmed.hazmat.checks import require_bytes, require_int, require_params, secret_int
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import Element, Group, parallel

Rng = Callable[[], int]


def _secret_products(g: Group, scalars: Sequence[int], points: Sequence[Element]) -> list[Element]:
    """``[k_i·P_i]`` with one ``mul_secret`` each, split across threads for long lists (value-independent)."""

    def chunk(lo: int, hi: int, _first: bool) -> list[Element]:
        return [g.mul_secret(points[i], scalars[i]) for i in range(lo, hi)]

    return parallel.split_sum(len(scalars), parallel.chunks(len(scalars)), chunk, operator.add)


def _check_inputs(
    params: Any, n: Any, values: Any, blindings: Any, context: Any, gens_label: Any
) -> tuple[PedersenParams, list[int], list[int]]:
    """Types (MalformedInput), shape (MalformedInput), then the witness (ProvingError)."""
    p = require_params(params)
    require_int(n, "n")
    require_bytes(context, "context")
    require_bytes(gens_label, "gens_label")
    if not isinstance(values, (list, tuple)) or not isinstance(blindings, (list, tuple)):
        raise MalformedInput("values and blindings must be lists")
    vs = [require_int(v, f"values[{j}]") for j, v in enumerate(values)]
    gammas = [secret_int(b, f"blindings[{j}]") % p.group.order for j, b in enumerate(blindings)]
    check_shape(n, len(vs), MalformedInput)
    if len(gammas) != len(vs):
        raise MalformedInput(f"{len(vs)} values but {len(gammas)} blindings")
    for j, v in enumerate(vs):
        if not 0 <= v < 1 << n:
            raise ProvingError(f"value #{j} is outside the range [0, 2^{n}); refusing to prove", where=f"values[{j}]")
    return p, vs, gammas


def prove_aggregated(
    params: PedersenParams,
    n: int,
    values: Sequence[int],
    blindings: Sequence[Any],
    *,
    context: bytes,
    gens_label: bytes = DEFAULT_GENS_LABEL,
    rng: Rng | None = None,
) -> tuple[RangeProof, list[Element]]:
    """Prove ``values[j] ∈ [0, 2^n)`` for ``V_j = values[j]·G + blindings[j]·H``; returns ``(proof, [V_j])``.

    ``rng`` (tests only) replaces ``group.random_scalar``; it is called for
    α, ρ, s_L[0..N), s_R[0..N), τ_1, τ_2 — in that order.  MalformedInput for
    arguments of the wrong type or an unsupported ``n``/``m``;
    :class:`ProvingError` for a value outside the range or a commitment at the identity.
    """
    p, vs, gammas = _check_inputs(params, n, values, blindings, context, gens_label)
    g, q = p.group, p.group.order
    m = len(vs)
    commitments = [p.commit(v, gm) for v, gm in zip(vs, gammas, strict=True)]
    if any(g.is_identity(c) for c in commitments):
        raise ProvingError("a commitment is the identity (value and blinding both zero)")
    rand = rng if rng is not None else g.random_scalar
    mp = padded_count(m)
    big_n = n * mp
    vs += [0] * (mp - m)
    gammas += [0] * (mp - m)
    gens = BulletproofGens.get(g, big_n, bytes(gens_label))
    t = statement_transcript(p, gens.label, bytes(context), n, [g.encode_element(c) for c in commitments])

    a_l = [(vs[i // n] >> (i % n)) & 1 for i in range(big_n)]
    alpha, rho = rand() % q, rand() % q
    s_l = [rand() % q for _ in range(big_n)]
    s_r = [rand() % q for _ in range(big_n)]
    # A = α·H + Σ (a_i + 1)·P_i − (Σ P_i + Σ H_i)  (eq. 44);  S = ρ·H + <s_L, G> + <s_R, H>  (eq. 47)
    products = _secret_products(g, [b + 1 for b in a_l] + s_l + s_r, [*gens.p_vec, *gens.g_vec, *gens.h_vec])
    big_a = g.sub(g.sum([p.h_base.mul_secret(alpha), *products[:big_n]]), gens.a_offset)
    big_s = g.sum([p.h_base.mul_secret(rho), *products[big_n:]])
    t.append_elements(b"A", g, [big_a])
    t.append_elements(b"S", g, [big_s])
    y = t.challenge_nonzero_scalar(q, b"y")
    z = t.challenge_nonzero_scalar(q, b"z")

    y_pow = powers(y, big_n, q)
    z_blocks = powers(z, mp + 2, q)[2:]  # z^{2+j}
    l0 = [(a_l[i] - z) % q for i in range(big_n)]
    r0 = [(y_pow[i] * (a_l[i] - 1 + z) + z_blocks[i // n] * (1 << (i % n))) % q for i in range(big_n)]
    r1 = [y_pow[i] * s_r[i] % q for i in range(big_n)]
    t1 = (sum(a * b for a, b in zip(l0, r1, strict=True)) + sum(a * b for a, b in zip(s_l, r0, strict=True))) % q
    t2 = sum(a * b for a, b in zip(s_l, r1, strict=True)) % q
    tau1, tau2 = rand() % q, rand() % q
    big_t1 = p.commit(t1, tau1)  # eq. 52–53 (PedersenParams.commit: secret-scalar fixed bases)
    big_t2 = p.commit(t2, tau2)
    t.append_elements(b"T1", g, [big_t1])
    t.append_elements(b"T2", g, [big_t2])
    x = t.challenge_nonzero_scalar(q, b"x")

    l_vec = [(l0[i] + s_l[i] * x) % q for i in range(big_n)]
    r_vec = [(r0[i] + r1[i] * x) % q for i in range(big_n)]
    t_hat = sum(a * b for a, b in zip(l_vec, r_vec, strict=True)) % q
    tau_x = (tau2 * x * x + tau1 * x + sum(zb * gm for zb, gm in zip(z_blocks, gammas, strict=True))) % q
    mu = (alpha + rho * x) % q
    t.append_scalars(b"t_x", g, [t_hat, tau_x, mu])
    w = t.challenge_nonzero_scalar(q, b"w")
    q_point = msm_g(p, w, [], [])
    y_inv = pow(y, -1, q)
    ipa = prove_inner_product(t, g, q_point, gens.g_vec, gens.h_vec, l_vec, r_vec, h_factors=powers(y_inv, big_n, q))
    return RangeProof(g, big_a, big_s, big_t1, big_t2, t_hat, tau_x, mu, ipa), commitments


def prove_range(
    params: PedersenParams,
    n: int,
    value: int,
    blinding: Any,
    *,
    context: bytes,
    gens_label: bytes = DEFAULT_GENS_LABEL,
    rng: Rng | None = None,
) -> tuple[RangeProof, Element]:
    """Single-value proof of ``value ∈ [0, 2^n)``; returns ``(proof, V)``.  As :func:`prove_aggregated`."""
    proof, (commitment,) = prove_aggregated(
        params, n, [value], [blinding], context=context, gens_label=gens_label, rng=rng
    )
    return proof, commitment


__all__ = ["prove_aggregated", "prove_range"]
