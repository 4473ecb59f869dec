"""Issue #10: every verifier checks whatever object it is handed; every entry point checks its argument types.

* object level: a :class:`RangeProof` / :class:`SmallRangeProof` built in memory
  with a non-canonical scalar (``x + q``, negative, a bool), a foreign object,
  the identity, a point of another curve or a wrong length in any field is a
  VerificationError — the same proof as bytes would not decode;
* byte level: a non-canonical scalar or an invalid element in any field is a
  MalformedInput from the decoder;
* arguments of the wrong type (``None`` commitment, float bound, bool value,
  non-integer blinding, wrong params) are MalformedInput, from provers and
  verifiers alike (``zkmed.hazmat.checks``);
* the prover's group operations do not depend on the value (issue #9).
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from rp_helpers import params_for, seeded_rng

from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.bulletproofs.bulletproofs import (
    BatchEntry,
    RangeProof,
    batch_verify,
    prove_aggregated,
    prove_range,
    verify_aggregated,
    verify_range,
)
from zkmed.proofs.ranges import interval_batch_entry, prove_interval, verify_at_least, verify_interval
from zkmed.proofs.small_range import SmallRangeProof, prove_small_range, verify_in_range, verify_small_range

SCALARS = ("t_x", "t_x_blinding", "e_blinding")
POINTS = ("A", "S", "T1", "T2")


@pytest.fixture(scope="module")
def rp(params):
    proof, com = prove_range(params, 8, 200, params.group.random_scalar(), context=b"r")
    return proof, com


@pytest.fixture(scope="module")
def srp(params):
    r = params.group.random_scalar()
    com = params.commit(2, r)
    return prove_small_range(params, com, 0, 3, 2, r, context=b"s"), com


def _bad_scalars(q: int, k: int) -> list[object]:
    return [k + q, k - q, -1, q, True, float(k % 1000), None, str(k)]


def _bad_points(params, good) -> list[object]:
    g = params.group
    foreign = params_for("secp256k1" if g.name == "P256" else "P256").group.generator()
    return [g.identity(), None, 5, g.encode_element(good), foreign]  # identity, foreign objects, another curve


def _with_ipa(proof: RangeProof, **changes) -> RangeProof:
    return dataclasses.replace(proof, ipa=dataclasses.replace(proof.ipa, **changes))


def _range_variants(params, proof: RangeProof):
    """(name, tampered object) for every field of a range proof."""
    q = params.group.order
    for name in SCALARS:
        for bad in _bad_scalars(q, getattr(proof, name)):
            yield f"{name}={bad!r}", dataclasses.replace(proof, **{name: bad})
    for name in ("a", "b"):
        for bad in _bad_scalars(q, getattr(proof.ipa, name)):
            yield f"ipa.{name}={bad!r}", _with_ipa(proof, **{name: bad})
    for name in POINTS:
        for bad in _bad_points(params, getattr(proof, name)):
            yield f"{name}={type(bad).__name__}", dataclasses.replace(proof, **{name: bad})
    for side in ("l_vec", "r_vec"):
        vec = getattr(proof.ipa, side)
        for i in (0, len(vec) - 1):
            for bad in _bad_points(params, vec[i]):
                tampered = (*vec[:i], bad, *vec[i + 1 :])
                yield f"{side}[{i}]={type(bad).__name__}", _with_ipa(proof, **{side: tampered})
        yield f"{side} short", _with_ipa(proof, **{side: vec[:-1]})
        yield f"{side} long", _with_ipa(proof, **{side: (*vec, vec[0])})
        yield f"{side} list of bytes", _with_ipa(proof, **{side: b"abc"})
    yield "both short", _with_ipa(proof, l_vec=proof.ipa.l_vec[:-1], r_vec=proof.ipa.r_vec[:-1])
    yield "ipa None", dataclasses.replace(proof, ipa=None)
    yield "group None", dataclasses.replace(proof, group=None)
    other = params_for("secp256k1" if params.group.name == "P256" else "P256").group
    yield "other group", dataclasses.replace(proof, group=other)


def test_noncanonical_ipa_scalar_object_is_rejected(params, rp):
    """The issue's case: ``a + q`` encodes to nothing valid, and the verifier must not accept it either."""
    proof, com = rp
    q = params.group.order
    for bad in (_with_ipa(proof, a=proof.ipa.a + q), _with_ipa(proof, b=proof.ipa.b + q)):
        with pytest.raises(VerificationError):
            verify_range(params, com, 8, bad, context=b"r")
        with pytest.raises(MalformedInput):
            bad.to_bytes()


def test_every_range_proof_field_is_checked(params, rp):
    proof, com = rp
    verify_range(params, com, 8, proof, context=b"r")
    count = 0
    for name, bad in _range_variants(params, proof):
        with pytest.raises(VerificationError):
            verify_range(params, com, 8, bad, context=b"r")
        with pytest.raises(VerificationError):  # the batch path checks the same
            batch_verify(params, [BatchEntry([com], 8, bad, b"r"), BatchEntry([com], 8, proof, b"r")])
        with pytest.raises(MalformedInput):  # and the encoder refuses to write it
            bad.to_bytes()
        assert bad != proof and isinstance(hash(bad), int) and "RangeProof(" in repr(bad), name
        count += 1
    assert count > 60


def test_every_range_proof_field_is_checked_in_intervals(params):
    r = params.group.random_scalar()
    com = params.commit(50, r)
    proof = prove_interval(params, com, 0, 100, 50, r, context=b"i")
    for _, bad in _range_variants(params, proof):
        with pytest.raises(VerificationError):
            verify_interval(params, com, 0, 100, bad, context=b"i")


def test_byte_level_every_field(params, rp):
    """Each field's bytes set to a non-canonical scalar / invalid element: the decoder refuses (MalformedInput)."""
    proof, _ = rp
    g = params.group
    data = proof.to_bytes()
    ne, ns = g.element_size, g.scalar_size
    k = proof.ipa.rounds
    layout = ["e"] * 4 + ["s"] * 3 + ["e"] * (2 * k) + ["s"] * 2
    off = 5
    bad_scalars = [g.order.to_bytes(ns, "big"), b"\xff" * ns]
    bad_elements = [bytes(ne), b"\x05" + data[6 : 5 + ne], b"\x02" + b"\xff" * (ne - 1)]
    for kind in layout:
        width = ne if kind == "e" else ns
        for bad in bad_scalars if kind == "s" else bad_elements:
            with pytest.raises(MalformedInput):
                RangeProof.from_bytes(g, data[:off] + bad + data[off + width :])
        off += width
    assert off == len(data)


def test_every_small_range_field_is_checked(params, srp):
    proof, com = srp
    q = params.group.order
    verify_small_range(params, com, 0, 3, proof, context=b"s")
    variants = []
    for field in ("challenges", "responses"):
        vals = getattr(proof, field)
        for i in range(len(vals)):
            for bad in _bad_scalars(q, vals[i]):
                variants.append(dataclasses.replace(proof, **{field: (*vals[:i], bad, *vals[i + 1 :])}))
        variants.append(dataclasses.replace(proof, **{field: vals[:-1]}))
        variants.append(dataclasses.replace(proof, **{field: (*vals, vals[0])}))
        variants.append(dataclasses.replace(proof, **{field: None}))
    variants.append(dataclasses.replace(proof, group=None))
    for bad in variants:
        with pytest.raises(VerificationError):
            verify_small_range(params, com, 0, 3, bad, context=b"s")
        with pytest.raises(VerificationError):
            verify_in_range(params, com, 0, 3, bad, context=b"s")
        with pytest.raises(MalformedInput):
            bad.to_bytes()
        assert bad != proof and isinstance(hash(bad), int) and "SmallRangeProof(" in repr(bad)
    other = params_for("secp256k1" if params.group.name == "P256" else "P256").group
    with pytest.raises(VerificationError):  # encodable for its own group, refused for these parameters
        verify_small_range(params, com, 0, 3, dataclasses.replace(proof, group=other), context=b"s")


def test_small_range_last_challenge_plus_q(params, srp):
    """``c_R + q`` keeps ``Σ c_i mod q``, so the compact bytes would be unchanged: the object check must catch it."""
    proof, com = srp
    cs = proof.challenges
    bad = dataclasses.replace(proof, challenges=(*cs[:-1], cs[-1] + params.group.order))
    with pytest.raises(VerificationError):
        verify_small_range(params, com, 0, 3, bad, context=b"s")


def test_small_range_byte_level(params, srp):
    proof, _ = srp
    g = params.group
    data = proof.to_bytes()
    for off in range(5, len(data), g.scalar_size):
        with pytest.raises(MalformedInput):
            SmallRangeProof.from_bytes(g, data[:off] + g.order.to_bytes(32, "big") + data[off + 32 :])


# ------------------------------------------------------------------ argument types


def test_provers_refuse_wrong_argument_types(params):
    g = params.group
    r = g.random_scalar()
    com = params.commit(5, r)
    bad_calls = [
        lambda: prove_range(None, 8, 5, r, context=b""),
        lambda: prove_range(g, 8, 5, r, context=b""),
        lambda: prove_range(params, 8, 5, 1.5, context=b""),
        lambda: prove_range(params, 8, 5, None, context=b""),
        lambda: prove_range(params, 8, 5, "7", context=b""),
        lambda: prove_range(params, 8, 5, True, context=b""),
        lambda: prove_range(params, 8, 5.0, r, context=b""),
        lambda: prove_range(params, 8, True, r, context=b""),
        lambda: prove_range(params, 8, 5, r, context=None),
        lambda: prove_range(params, 8, 5, r, context=b"", gens_label="x"),
        lambda: prove_aggregated(params, 8, (5, 6), None, context=b""),
        lambda: prove_aggregated(params, 8, 5, [r], context=b""),
        lambda: prove_interval(params, None, 0, 10, 5, r, context=b""),
        lambda: prove_interval(params, 5, 0, 10, 5, r, context=b""),
        lambda: prove_interval(params, com, 0.0, 10, 5, r, context=b""),
        lambda: prove_interval(params, com, 0, 10, 5, 2.5, context=b""),
        lambda: prove_interval(None, com, 0, 10, 5, r, context=b""),
        lambda: prove_small_range(params, None, 0, 7, 5, r, context=b""),
        lambda: prove_small_range(params, com, 0, 7, 5, None, context=b""),
        lambda: prove_small_range(params, com, 0, 7, 5, r, context="ctx"),
    ]
    for call in bad_calls:
        with pytest.raises(MalformedInput):
            call()


def test_verifiers_refuse_wrong_argument_types(params, rp, srp):
    proof, com = rp
    small, s_com = srp
    bad_calls = [
        lambda: verify_range(params, None, 8, proof, context=b"r"),
        lambda: verify_range(params, 5, 8, proof, context=b"r"),
        lambda: verify_range(params, com, 8.0, proof, context=b"r"),
        lambda: verify_range(params, com, 8, proof.to_bytes(), context=b"r"),
        lambda: verify_range(params, com, 8, None, context=b"r"),
        lambda: verify_range(params, com, 8, proof, context="r"),
        lambda: verify_range(None, com, 8, proof, context=b"r"),
        lambda: verify_range(params.group, com, 8, proof, context=b"r"),
        lambda: verify_aggregated(params, com, 8, proof, context=b"r"),
        lambda: verify_aggregated(params, [com, None], 8, proof, context=b"r"),
        lambda: batch_verify(params, [(com, 8, proof, b"r")]),
        lambda: batch_verify(params, [([com], 8, proof)]),
        lambda: batch_verify(params, "entries"),
        lambda: verify_interval(params, None, 0, 10, proof, context=b"r"),
        lambda: verify_interval(params, com, 0, 10.5, proof, context=b"r"),
        lambda: verify_interval(params, com, False, 10, proof, context=b"r"),
        lambda: interval_batch_entry(params, None, 0, 10, proof, context=b"r"),
        lambda: verify_at_least(params, com, 1.0, proof, context=b"r"),
        lambda: verify_small_range(params, None, 0, 3, small, context=b"s"),
        lambda: verify_small_range(params, s_com, 0, 3, proof, context=b"s"),
        lambda: verify_small_range(params, s_com, 0.0, 3, small, context=b"s"),
        lambda: verify_in_range(params, None, 0, 3, small, context=b"s"),
        lambda: verify_in_range(params, s_com, 0, 3, 17, context=b"s"),
        lambda: verify_in_range(params, s_com, 0, 3, b"not a proof", context=b"s"),
    ]
    for call in bad_calls:
        with pytest.raises(MalformedInput):
            call()


def test_verifiers_value_errors_are_verification_errors(params, rp):
    proof, com = rp
    g = params.group
    for bad_com in (g.identity(), params_for("secp256k1" if g.name == "P256" else "P256").group.generator()):
        if type(bad_com) is not type(com):
            continue
        with pytest.raises(VerificationError):
            verify_range(params, bad_com, 8, proof, context=b"r")
    for n in (0, 7, 12, 128, -8):
        with pytest.raises(VerificationError):
            verify_range(params, com, n, proof, context=b"r")
    with pytest.raises(VerificationError):
        verify_interval(params, com, 10, 0, proof, context=b"r")


# ------------------------------------------------------------------ constant-time structure (issue #9)


class _Counting:
    """Counts the group operations of one prove (class-level patch, so every call path is seen)."""

    NAMES = ("add", "sub", "neg", "sum", "mul", "mul_gen", "mul_secret", "mul_gen_secret", "msm")

    def __init__(self, monkeypatch, group) -> None:
        self.calls: Counter[str] = Counter()
        cls = type(group)
        for name in self.NAMES:
            real = getattr(cls, name)

            def wrapped(self_, *args, _real=real, _name=name, **kwargs):
                self.calls[_name] += 1
                if _name == "msm":  # record the MSM sizes too
                    self.calls[f"msm[{len(args[0])}]"] += 1
                return _real(self_, *args, **kwargs)

            monkeypatch.setattr(cls, name, wrapped)


@pytest.mark.parametrize("n", [8, 64])
def test_prover_group_operations_do_not_depend_on_the_value(params, monkeypatch, n):
    prove_range(params, n, 1, 1, context=b"warm")  # derive the public generators first (one-time work)
    counts = []
    for value in (0, (1 << n) - 1, 0x5A5A5A5A5A5A5A5A % (1 << n)):
        counter = _Counting(monkeypatch, params.group)
        prove_range(params, n, value, 12345, context=b"ct", rng=seeded_rng(params.group, b"ct"))
        counts.append(dict(counter.calls))
        monkeypatch.undo()
    assert counts[0] == counts[1] == counts[2]
    assert counts[0]["mul_secret"] >= 3 * n  # A and S: one secret multiplication per term (α·H, ρ·H: fixed base)
