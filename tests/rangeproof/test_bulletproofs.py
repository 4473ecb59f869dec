"""Bulletproofs range proofs: completeness, tampering, Frozen Heart, encoding, batch verification."""

from __future__ import annotations

import dataclasses

import pytest
from rp_helpers import flip_byte, other_point, seeded_rng

from zkmed.errors import MalformedInput, ProvingError, VerificationError, ZkmedError
from zkmed.hazmat.bulletproofs import verifier
from zkmed.hazmat.bulletproofs.bulletproofs import (
    BatchEntry,
    RangeProof,
    batch_verify,
    proof_items,
    proof_size,
    prove_aggregated,
    prove_range,
    replay_challenges,
    verify_aggregated,
    verify_range,
)
from zkmed.hazmat.bulletproofs.inner_product import InnerProductProof
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import get_group


@pytest.fixture(scope="module")
def single64(params):
    r = params.group.random_scalar()
    proof, v = prove_range(params, 64, 123_456_789_012, r, context=b"")
    return proof, v


@pytest.fixture(scope="module")
def agg3(params):
    g = params.group
    values = [0, 255, 77]
    blindings = [g.random_scalar() for _ in values]
    proof, coms = prove_aggregated(params, 8, values, blindings, context=b"ctx")
    return proof, coms


# ------------------------------------------------------------------ completeness


@pytest.mark.parametrize("n", [8, 16, 32, 64])
def test_single_completeness_edges(params, n):
    g = params.group
    for v in (0, 1, (1 << n) - 1):
        r = g.random_scalar()
        proof, com = prove_range(params, n, v, r, context=b"")
        assert verify_range(params, com, n, proof, context=b"") is None
        assert g.eq(com, params.commit(v, r))


@pytest.mark.parametrize(("n", "m"), [(8, 2), (8, 3), (8, 5), (16, 4), (32, 3), (64, 2)])
def test_aggregated_completeness(params, n, m):
    g = params.group
    values = [((1 << n) - 1 - 3 * j) % (1 << n) for j in range(m)]
    proof, coms = prove_aggregated(params, n, values, [g.random_scalar() for _ in values], context=b"")
    assert len(coms) == m
    assert verify_aggregated(params, coms, n, proof, context=b"") is None
    assert len(proof.to_bytes()) == proof_size(g, n, m)


@pytest.mark.slow
@pytest.mark.parametrize("n", [8, 16, 32, 64])
@pytest.mark.parametrize("m", [1, 2, 4, 7, 8, 16])
def test_grid_completeness(p256, n, m):
    params = p256
    g = params.group
    values = [(j * 0x9E3779B97F4A7C15) % (1 << n) for j in range(m)]
    proof, coms = prove_aggregated(params, n, values, [g.random_scalar() for _ in values], context=b"")
    verify_aggregated(params, coms, n, proof, context=b"")
    batch_verify(params, [BatchEntry(coms, n, proof, b"")] * 2)


def test_commitments_match_pedersen(params):
    g = params.group
    r = g.random_scalar()
    _, com = prove_range(params, 8, 42, r, context=b"")
    assert g.eq(com, g.msm([42, r], [params.g, params.h]))


# ------------------------------------------------------------------ prover refusals


@pytest.mark.parametrize("bad", [-1, 256, 1 << 64])
def test_prover_refuses_out_of_range(params, bad):
    with pytest.raises(ProvingError):
        prove_range(params, 8, bad, 5, context=b"")


def test_prover_refuses_bad_shapes(params):
    for bad_n in (12, 8.0, True, "8"):
        with pytest.raises(MalformedInput):
            prove_range(params, bad_n, 1, 5, context=b"")  # type: ignore[arg-type]
    with pytest.raises(MalformedInput):
        prove_range(params, 8, 1, 5, context="text")  # type: ignore[arg-type]
    with pytest.raises(MalformedInput):
        prove_aggregated(params, 8, [1, 2], [5], context=b"")
    with pytest.raises(MalformedInput):
        prove_aggregated(params, 8, [], [], context=b"")
    with pytest.raises(ProvingError):  # value 0 with blinding 0: the identity, not a hiding commitment
        prove_range(params, 8, 0, 0, context=b"")
    with pytest.raises(ProvingError) as info:
        prove_aggregated(params, 8, [1, 300], [5, 6], context=b"")
    assert info.value.where == "values[1]"


# ------------------------------------------------------------------ sizes and encoding


@pytest.mark.parametrize("m", range(1, 18))
def test_size_formula(m):
    g = get_group("P256")
    for n in (8, 16, 32, 64):
        k = (n * m - 1).bit_length()  # ⌈log2(n·m)⌉
        assert proof_items(n, m) == 2 * k + 9
        assert proof_size(g, n, m) == 5 + (2 * k + 4) * 33 + 5 * 32  # header + body
    assert proof_size(g, 64, 1) == 693


def test_roundtrip_and_equality(params, single64, agg3):
    g = params.group
    for proof in (single64[0], agg3[0]):
        data = proof.to_bytes()
        again = RangeProof.from_bytes(g, data)
        assert again == proof and hash(again) == hash(proof)
        assert again.to_bytes() == data
        assert "rounds=" in repr(proof)
    assert RangeProof.from_bytes(g, agg3[0].to_bytes(), n=8, m=3) == agg3[0]
    with pytest.raises(MalformedInput):
        RangeProof.from_bytes(g, agg3[0].to_bytes(), n=8, m=1)


def test_decoding_rejects_wrong_lengths(params, single64):
    g = params.group
    data = single64[0].to_bytes()
    for bad in (b"", data[:-1], data + b"\x00", data[:-33], data + bytes(33), data + bytes(66), data[:100]):
        with pytest.raises(MalformedInput):
            RangeProof.from_bytes(g, bad)
    with pytest.raises(MalformedInput):
        RangeProof.from_bytes(g, "not bytes")  # type: ignore[arg-type]


def _offsets(n_rounds: int):
    """(offset, kind) of every item in the layout header,A,S,T1,T2,t̂,τx,μ,(L,R)*k,a,b."""
    off = 5
    items = []
    for _ in range(4):
        items.append((off, "e"))
        off += 33
    for _ in range(3):
        items.append((off, "s"))
        off += 32
    for _ in range(2 * n_rounds):
        items.append((off, "e"))
        off += 33
    for _ in range(2):
        items.append((off, "s"))
        off += 32
    return items, off


def test_decoding_rejects_noncanonical_and_invalid(params, single64):
    g = params.group
    data = single64[0].to_bytes()
    items, total = _offsets(6)
    assert total == len(data)
    q_bytes = g.order.to_bytes(32, "big")
    for off, kind in items:
        if kind == "s":
            for bad in (q_bytes, b"\xff" * 32):
                with pytest.raises(MalformedInput):
                    RangeProof.from_bytes(g, data[:off] + bad + data[off + 32 :])
        else:
            for bad in (bytes(33), b"\x04" + data[off + 1 : off + 33], b"\x02" + b"\xff" * 32):
                with pytest.raises(MalformedInput):
                    RangeProof.from_bytes(g, data[:off] + bad + data[off + 33 :])


def test_every_byte_flip_is_rejected(params, single64):
    """Flipping any bit of any item: decode fails (MalformedInput) or verify fails — never anything else."""
    g = params.group
    proof, com = single64
    data = proof.to_bytes()
    items, _ = _offsets(6)
    for off, kind in items:
        for pos in (off + 1, off + (32 if kind == "e" else 31)):
            bad = flip_byte(data, pos)
            try:
                parsed = RangeProof.from_bytes(g, bad)
            except MalformedInput:
                continue
            with pytest.raises(VerificationError):
                verify_range(params, com, 64, parsed, context=b"")


# ------------------------------------------------------------------ soundness: tampering


def _tampered(proof: RangeProof, group):
    pt = other_point(group)
    q = group.order
    ipa = proof.ipa
    for name in ("A", "S", "T1", "T2"):
        yield name, dataclasses.replace(proof, **{name: pt})
    for name in ("t_x", "t_x_blinding", "e_blinding"):
        yield name, dataclasses.replace(proof, **{name: (getattr(proof, name) + 1) % q})
    for i in range(ipa.rounds):
        ls = list(ipa.l_vec)
        ls[i] = pt
        yield f"L{i}", dataclasses.replace(proof, ipa=InnerProductProof(tuple(ls), ipa.r_vec, ipa.a, ipa.b))
        rs = list(ipa.r_vec)
        rs[i] = pt
        yield f"R{i}", dataclasses.replace(proof, ipa=InnerProductProof(ipa.l_vec, tuple(rs), ipa.a, ipa.b))
    yield "a", dataclasses.replace(proof, ipa=InnerProductProof(ipa.l_vec, ipa.r_vec, (ipa.a + 1) % q, ipa.b))
    yield "b", dataclasses.replace(proof, ipa=InnerProductProof(ipa.l_vec, ipa.r_vec, ipa.a, (ipa.b + 1) % q))
    yield "swap-LR", dataclasses.replace(proof, ipa=InnerProductProof(ipa.r_vec, ipa.l_vec, ipa.a, ipa.b))


def test_tamper_each_component(params, agg3):
    proof, coms = agg3
    for name, bad in _tampered(proof, params.group):
        with pytest.raises(VerificationError):
            verify_aggregated(params, coms, 8, bad, context=b"ctx")
        assert name


def test_swapped_and_foreign_commitments(params, agg3, single64):
    g = params.group
    proof, coms = agg3
    for bad in ([coms[1], coms[0], coms[2]], [coms[0], coms[1], other_point(g)], coms[:2], [*coms, coms[0]]):
        with pytest.raises(VerificationError):
            verify_aggregated(params, bad, 8, proof, context=b"ctx")
    proof64, com64 = single64
    other_proof, other_com = prove_range(params, 64, 123_456_789_012, g.random_scalar(), context=b"")
    verify_range(params, other_com, 64, other_proof, context=b"")
    with pytest.raises(VerificationError):  # proof for one commitment checked against another (same value!)
        verify_range(params, other_com, 64, proof64, context=b"")
    with pytest.raises(VerificationError):
        verify_range(params, g.identity(), 64, proof64, context=b"")


def test_changed_n_m_context_label_params(params, agg3, single64):
    proof, coms = agg3
    for n in (16, 32, 64, 7):
        with pytest.raises(VerificationError):
            verify_aggregated(params, coms, n, proof, context=b"ctx")
    # m = 3 and m = 4 pad to the same size: the absorbed m and V list still separate them
    with pytest.raises(VerificationError):
        verify_aggregated(params, [*coms, params.commit(1, 2)], 8, proof, context=b"ctx")
    with pytest.raises(VerificationError):
        verify_aggregated(params, coms, 8, proof, context=b"other")
    with pytest.raises(VerificationError):
        verify_aggregated(params, coms, 8, proof, context=b"ctx", gens_label=b"zkmed/other-generators")
    other_params = PedersenParams.derive(params.group, b"zkmed-test/other-pedersen")
    with pytest.raises(VerificationError):
        verify_aggregated(other_params, coms, 8, proof, context=b"ctx")
    with pytest.raises(VerificationError):
        verify_aggregated(params, [], 8, proof, context=b"ctx")
    with pytest.raises(MalformedInput):
        verify_aggregated(params, coms[0], 8, proof, context=b"ctx")  # type: ignore[arg-type]


def test_frozen_heart_forgery_is_impossible(params, single64):
    """The Frozen Heart attack: pick V *after* the challenges so that the t̂ equation holds.

    With V outside the transcript the forged V' below would make the t̂ check
    (eq. 72) pass while the IPA check is unchanged; here V is absorbed, so the
    challenges move with V and the forgery fails.
    """
    g = params.group
    q = g.order
    proof, com = single64
    ch = replay_challenges(params, BatchEntry([com], 64, proof, b""))
    y, z, x = ch.y, ch.z, ch.x
    sum_y = sum(pow(y, i, q) for i in range(64)) % q
    delta = ((z - z * z) * sum_y - pow(z, 3, q) * ((1 << 64) - 1)) % q
    z2_inv = pow(z * z % q, -1, q)
    # V' = z^{-2}·((t̂ − δ)·G + τ_x·H − x·T1 − x²·T2)  — satisfies eq. 72 for these challenges
    forged = g.msm(
        [(proof.t_x - delta) * z2_inv % q, proof.t_x_blinding * z2_inv % q, -x * z2_inv % q, -x * x * z2_inv % q],
        [params.g, params.h, proof.T1, proof.T2],
    )
    assert g.eq(forged, com)  # sanity: for the honest V the equation pins V exactly
    # a different V' (shifted value) — a dishonest prover would now need matching challenges
    shifted = g.add(com, params.g)
    lhs = g.msm([proof.t_x, proof.t_x_blinding], [params.g, params.h])
    rhs_shifted = g.msm([z * z % q, delta, x, x * x % q], [shifted, params.g, proof.T1, proof.T2])
    assert not g.eq(lhs, rhs_shifted)
    ch2 = replay_challenges(params, BatchEntry([shifted], 64, proof, b""))
    assert (ch2.y, ch2.z, ch2.x, ch2.w) != (ch.y, ch.z, ch.x, ch.w)  # V is hashed into every challenge
    with pytest.raises(VerificationError):
        verify_range(params, shifted, 64, proof, context=b"")


def test_every_statement_part_reaches_the_challenges(params, agg3):
    proof, coms = agg3
    base = replay_challenges(params, BatchEntry(coms, 8, proof, b"ctx"))
    variants = [
        replay_challenges(params, BatchEntry(coms, 8, proof, b"ctx2")),
        replay_challenges(params, BatchEntry(coms, 8, proof, b"ctx"), gens_label=b"zkmed/other"),
        replay_challenges(params, BatchEntry([coms[0], coms[2], coms[1]], 8, proof, b"ctx")),
        replay_challenges(
            params, BatchEntry(coms, 8, dataclasses.replace(proof, T2=other_point(params.group)), b"ctx")
        ),
    ]
    for v in variants:
        assert v.y != base.y or v.x != base.x


def test_wrong_group(params, single64):
    """Same element type, other curve: VerificationError; another backend's element type: MalformedInput."""
    proof, com = single64
    same_type = "secp256k1" if params.group.name == "P256" else None
    if same_type is not None:
        with pytest.raises(VerificationError):
            verify_range(PedersenParams.default(get_group(same_type)), com, 64, proof, context=b"")
    other_type = "secp256k1-pyecc" if params.group.name == "P256" else "P256"
    other = PedersenParams.default(get_group(other_type))
    with pytest.raises(MalformedInput):
        verify_range(other, com, 64, proof, context=b"")
    with pytest.raises(VerificationError):  # a valid commitment of the other group, the proof still of this one
        verify_range(other, other.commit(5, 7), 64, proof, context=b"")


def test_deterministic_rng_gives_identical_proofs(params):
    g = params.group
    a, _ = prove_range(params, 16, 99, 12345, context=b"", rng=seeded_rng(g, b"x"))
    b, _ = prove_range(params, 16, 99, 12345, context=b"", rng=seeded_rng(g, b"x"))
    c, _ = prove_range(params, 16, 99, 12345, context=b"")
    assert a.to_bytes() == b.to_bytes() != c.to_bytes()


# ------------------------------------------------------------------ batch verification


@pytest.fixture(scope="module")
def batch(params, agg3, single64):
    g = params.group
    entries = [BatchEntry([single64[1]], 64, single64[0], b""), BatchEntry(agg3[1], 8, agg3[0], b"ctx")]
    for n, m in ((16, 1), (8, 2), (32, 1)):
        values = list(range(1, m + 1))
        proof, coms = prove_aggregated(params, n, values, [g.random_scalar() for _ in values], context=b"b")
        entries.append(BatchEntry(coms, n, proof, b"b"))
    return entries


def test_batch_accepts_valid_mixed_sizes(params, batch):
    assert batch_verify(params, batch) is None
    assert batch_verify(params, [tuple(e) for e in batch], identify=True) is None


@pytest.mark.parametrize("bad_index", [0, 2, 4])
def test_batch_with_one_bad_proof(params, batch, bad_index):
    entries = list(batch)
    e = entries[bad_index]
    entries[bad_index] = e._replace(proof=dataclasses.replace(e.proof, t_x=(e.proof.t_x + 1) % params.group.order))
    with pytest.raises(VerificationError) as plain:
        batch_verify(params, entries)
    assert plain.value.where is None
    with pytest.raises(VerificationError) as named:
        batch_verify(params, entries, identify=True)
    assert named.value.where == f"batch[{bad_index}]"
    assert f"#{bad_index}" in str(named.value)


def test_batch_names_a_structurally_wrong_entry(params, batch):
    entries = list(batch)
    entries[2] = entries[2]._replace(n=64)  # the proof has log2(16) rounds, the statement wants log2(64)
    with pytest.raises(VerificationError) as info:
        batch_verify(params, entries)
    assert info.value.where == "batch[2]"


def test_batch_bad_statement_and_inputs(params, batch):
    entries = list(batch)
    entries[3] = entries[3]._replace(context=b"not b")
    with pytest.raises(VerificationError):
        batch_verify(params, entries, identify=True)
    with pytest.raises(MalformedInput):
        batch_verify(params, [])
    with pytest.raises(MalformedInput):
        batch_verify(params, [([], 8, "proof", b"")])
    with pytest.raises(MalformedInput):
        batch_verify(params, ["nonsense"])  # type: ignore[list-item]


def test_batch_weights_are_drawn_after_all_proofs_are_absorbed(params, batch, monkeypatch):
    group = params.group
    events: list[str] = []
    real_replay = verifier.replay_challenges
    real_random = type(group).random_scalar

    def replay(*args, **kwargs):
        events.append("absorb")
        return real_replay(*args, **kwargs)

    def random_scalar(self):
        events.append("weight")
        return real_random(self)

    monkeypatch.setattr(verifier, "replay_challenges", replay)
    monkeypatch.setattr(type(group), "random_scalar", random_scalar)
    batch_verify(params, batch)
    assert events.count("absorb") == len(batch)
    assert events.index("weight") > max(i for i, e in enumerate(events) if e == "absorb")


def test_errors_are_zkmed_errors(params, single64):
    proof, com = single64
    with pytest.raises(ZkmedError):
        verify_range(params, com, 8, proof, context=b"")
    with pytest.raises(MalformedInput):
        verify_range(params, com, 64, "proof", context=b"")  # type: ignore[arg-type]
