"""The verifier's shortcuts against their textbook definitions.

* ``labelled`` / ``squeeze_nonzero`` (one absorb per challenge) give the same
  challenges as ``Transcript.append_message`` / ``challenge_nonzero_scalar``;
* ``replay_challenges`` equals a replay written with the labelled API only;
* the doubling recurrences of ``_vector_coefficients`` equal the per-index
  coefficients ``r·(a·s_i + z)`` and ``r·(y^{-i}·(b·s_{N-1-i} − z^{2+j}·2^t) − z)``.
"""

from __future__ import annotations

import pytest

from zkmed.hazmat.bulletproofs import bulletproofs as bp
from zkmed.hazmat.bulletproofs.generators import DEFAULT_GENS_LABEL
from zkmed.hazmat.bulletproofs.inner_product import doubling, labelled, squeeze_nonzero
from zkmed.hazmat.bulletproofs.proof import PROTOCOL_TAG, _instance, padded_count
from zkmed.hazmat.transcript import Transcript


def _reference_replay(p, proof, commitments, n, context):
    """y, z, x, w and the u_j exactly as the prover's labelled appends produce them."""
    g, q = p.group, p.group.order
    t = Transcript(PROTOCOL_TAG + b"/" + g.name.encode(), _instance(p, DEFAULT_GENS_LABEL))
    t.append_message(b"context", context)
    t.append_u64(b"n", n)
    t.append_u64(b"m", len(commitments))
    t.append_elements(b"V", g, commitments)
    t.append_elements(b"A", g, [proof.A])
    t.append_elements(b"S", g, [proof.S])
    y = t.challenge_nonzero_scalar(q, b"y")
    z = t.challenge_nonzero_scalar(q, b"z")
    t.append_elements(b"T1", g, [proof.T1])
    t.append_elements(b"T2", g, [proof.T2])
    x = t.challenge_nonzero_scalar(q, b"x")
    t.append_scalars(b"t_x", g, [proof.t_x, proof.t_x_blinding, proof.e_blinding])
    w = t.challenge_nonzero_scalar(q, b"w")
    t.append_u64(b"ipa-n", n * padded_count(len(commitments)))
    us = []
    for big_l, big_r in zip(proof.ipa.l_vec, proof.ipa.r_vec, strict=True):
        t.append_elements(b"L", g, [big_l])
        t.append_elements(b"R", g, [big_r])
        us.append(t.challenge_nonzero_scalar(q, b"u"))
    return y, z, x, w, us


def test_one_absorb_equals_labelled_appends(p256):
    q = p256.group.order
    a = Transcript(b"tag", b"instance")
    b = Transcript(b"tag", b"instance")
    a.append_message(b"A", b"\x02" * 33)
    a.append_message(b"other-label", b"")
    got_a = [a.challenge_nonzero_scalar(q, b"y"), a.challenge_nonzero_scalar(q, b"z")]
    pending = labelled(b"A", b"\x02" * 33) + labelled(b"other-label", b"")
    got_b = [squeeze_nonzero(b, pending, b"y", q), squeeze_nonzero(b, b"", b"z", q)]
    assert got_a == got_b
    assert squeeze_nonzero(a, b"", b"unlisted", q) == b.challenge_nonzero_scalar(q, b"unlisted")


@pytest.mark.parametrize(("n", "m"), [(8, 1), (8, 3), (16, 4)])
def test_replay_matches_the_labelled_transcript(params, n, m):
    g = params.group
    values = [(37 * j + 5) % (1 << n) for j in range(m)]
    proof, coms = bp.prove_aggregated(values, [g.random_scalar() for _ in values], n, params=params, context=b"c")
    ch = bp.replay_challenges(bp.BatchEntry(proof, coms, n, b"c"), params)
    y, z, x, w, us = _reference_replay(params, proof, coms, n, b"c")
    assert (ch.y, ch.z, ch.x, ch.w, list(ch.ipa.u)) == (y, z, x, w, us)
    q = g.order
    assert all(u * v % q == 1 for u, v in zip(ch.ipa.u, ch.ipa.u_inv, strict=True))


def test_doubling_is_the_bitwise_product(p256):
    q = p256.group.order
    factors = [3, 5, 7, 11]
    got = doubling(2, factors, q)
    for i, v in enumerate(got):
        expected = 2
        for p, f in enumerate(factors):
            if i >> p & 1:
                expected *= f
        assert v == expected % q
    assert doubling(9, [], q) == [9]


@pytest.mark.parametrize(("n", "m"), [(8, 1), (8, 2), (16, 4), (8, 3)])
def test_vector_coefficients_match_the_definition(p256, n, m):
    g, q = p256.group, p256.group.order
    values = [(91 * j + 3) % (1 << n) for j in range(m)]
    proof, coms = bp.prove_aggregated(values, [g.random_scalar() for _ in values], n, params=p256)
    ch = bp.replay_challenges(bp.BatchEntry(proof, coms, n), p256)
    mp = padded_count(m)
    big_n = n * mp
    r_w = g.random_scalar()
    g_i, h_i = bp._vector_coefficients(ch, proof, n, mp, r_w, q)
    s = ch.ipa.s
    y_inv = pow(ch.y, -1, q)
    a, b, z = proof.ipa.a, proof.ipa.b, ch.z
    for i in range(big_n):
        j, t = divmod(i, n)
        exp_g = r_w * (a * s[i] + z)
        exp_h = r_w * (pow(y_inv, i, q) * (b * s[big_n - 1 - i] - pow(z, 2 + j, q) * 2**t) - z)
        assert g_i[i] % q == exp_g % q
        assert h_i[i] % q == exp_h % q
