"""zkmed.hazmat.commitments: Pedersen scalar and vector commitments — homomorphism, parameters, secrets."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkmed.errors import BackendUnavailable, MalformedInput
from zkmed.hazmat.commitments import (
    Blinding,
    PedersenParams,
    VectorPedersenParams,
    decode_commitment,
    derive_generators,
    encode_commitment,
)
from zkmed.hazmat.groups import get_group


def _groups():
    out = [pytest.param("P256", id="P256")]
    try:
        get_group("secp256k1-pyecc")
        out.append(pytest.param("secp256k1-pyecc", id="secp256k1-pyecc"))
    except BackendUnavailable:  # pragma: no cover
        out.append(pytest.param("secp256k1-pyecc", marks=pytest.mark.skip(reason="no secp256k1-pyecc")))
    return out


P256 = get_group("P256")
Q = P256.order
scalars = st.integers(min_value=0, max_value=Q - 1)


@pytest.mark.parametrize("name", _groups())
def test_homomorphic_identities(name):
    g = get_group(name)
    pp = PedersenParams.default(g)
    q = g.order
    v1, v2, r1, r2, k = 17, q - 5, g.random_scalar(), g.random_scalar(), 123456789
    c1, c2 = pp.commit(v1, r1), pp.commit(v2, r2)
    assert g.eq(pp.add(c1, c2), pp.commit((v1 + v2) % q, (r1 + r2) % q))
    assert g.eq(pp.sub(c1, c2), pp.commit((v1 - v2) % q, (r1 - r2) % q))
    assert g.eq(pp.scale(c1, k), pp.commit(v1 * k % q, r1 * k % q))
    assert g.eq(pp.commit(v1, r1), g.add(g.mul_gen(v1), g.mul(pp.h, r1)))
    assert pp.open_check(c1, v1, r1) and not pp.open_check(c1, v1 + 1, r1)


@settings(max_examples=25, deadline=None)
@given(v1=scalars, v2=scalars, r1=scalars, r2=scalars, k=scalars)
def test_homomorphism_random(v1, v2, r1, r2, k):
    pp = PedersenParams.default(P256)
    c1, c2 = pp.commit(v1, r1), pp.commit(v2, r2)
    assert P256.eq(pp.add(c1, pp.scale(c2, k)), pp.commit((v1 + k * v2) % Q, (r1 + k * r2) % Q))


def test_commit_random_hides_and_blinding_is_secret():
    pp = PedersenParams.default(P256)
    c1, b1 = pp.commit_random(5)
    c2, b2 = pp.commit_random(5)
    assert not P256.eq(c1, c2)
    assert pp.open_check(c1, 5, int(b1))
    assert "redacted" in repr(b1) and str(b1.value) not in repr(b1)
    with pytest.raises(TypeError):
        pickle.dumps(b2)
    assert isinstance(Blinding(3), Blinding)


def test_parameters_are_deterministic_and_independent():
    a, b = PedersenParams.derive(P256), PedersenParams.derive(P256)
    assert P256.eq(a.h, b.h) and a.encode() == b.encode()
    other = PedersenParams.derive(P256, b"zkmed-test/other")
    assert not P256.eq(a.h, other.h) and a.encode() != other.encode()
    assert not P256.eq(a.h, a.g)
    assert PedersenParams.default("P256") is PedersenParams.default(P256)
    gens = derive_generators(P256, b"zkmed-test/gens", 5)
    encs = {P256.encode_element(x) for x in gens} | {P256.encode_element(P256.generator())}
    assert len(encs) == 6
    assert P256.eq(derive_generators(P256, b"zkmed-test/gens", 2, start=3)[0], gens[3])


@pytest.mark.parametrize("name", _groups())
def test_vector_commitments(name):
    g = get_group(name)
    q = g.order
    vp = VectorPedersenParams.derive(g, 4)
    assert vp.size == 4 and len({g.encode_element(x) for x in vp.gs}) == 4
    a, b = [1, 2, 3, 4], [q - 1, 0, 7, 2**100 % q]
    ra, rb = g.random_scalar(), g.random_scalar()
    ca, cb = vp.commit(a, ra), vp.commit(b, rb)
    summed = vp.commit([(x + y) % q for x, y in zip(a, b, strict=True)], (ra + rb) % q)
    assert g.eq(g.add(ca, cb), summed)
    assert g.eq(g.mul(ca, 3), vp.commit([3 * x % q for x in a], 3 * ra % q))
    expected = g.mul(vp.h, ra)
    for x, gi in zip(a, vp.gs, strict=True):
        expected = g.add(expected, g.mul(gi, x))
    assert g.eq(ca, expected)
    with pytest.raises(MalformedInput):
        vp.commit([1, 2, 3], ra)
    with pytest.raises(MalformedInput):
        VectorPedersenParams.derive(g, 0)


def test_vector_params_encoding_binds_size_and_label():
    a, b = VectorPedersenParams.derive(P256, 2), VectorPedersenParams.derive(P256, 3)
    assert a.encode() != b.encode()
    assert a.encode() == VectorPedersenParams.derive(P256, 2).encode()
    assert a.encode() != VectorPedersenParams.derive(P256, 2, b"zkmed-test/v").encode()


# --------------------------------------------------------------------------- formats


def test_pedersen_params_encoding_carries_its_header_and_round_trips():
    from zkmed.formats import PEDERSEN_PARAMS, peek

    pp = PedersenParams.default(P256)
    data = pp.encode()
    assert data.startswith(PEDERSEN_PARAMS.header) and peek(data) is PEDERSEN_PARAMS
    assert data[len(PEDERSEN_PARAMS.header) :] == pp.body()
    back = PedersenParams.decode(data)
    assert back.label == pp.label and P256.eq(back.h, pp.h) and back.encode() == data
    other = PedersenParams.derive(get_group("secp256k1"), b"zkmed-test/label")
    assert PedersenParams.decode(other.encode()).encode() == other.encode()


def test_pedersen_params_decoding_is_strict():
    from zkmed.encoding import Writer
    from zkmed.errors import UnsupportedVersion
    from zkmed.formats import COMMITMENT, PEDERSEN_PARAMS

    pp = PedersenParams.default(P256)
    data = pp.encode()
    body = pp.body()
    g_enc, h_enc = P256.encode_element(pp.g), P256.encode_element(pp.h)
    foreign_h = Writer().text("P256").bytes_lp(pp.label).raw(g_enc).raw(P256.encode_element(P256.mul_gen(5))).finish()
    bad = [
        data[:-1],  # truncated
        data + b"\x00",  # trailing byte
        COMMITMENT.wrap(body),  # another format
        PEDERSEN_PARAMS.wrap(foreign_h),  # H not derived from the label (its dlog may be known)
        PEDERSEN_PARAMS.wrap(Writer().text("P256").bytes_lp(pp.label).raw(h_enc).raw(g_enc).finish()),  # swapped
        PEDERSEN_PARAMS.wrap(Writer().text("nope").bytes_lp(pp.label).raw(g_enc).raw(h_enc).finish()),
        body,  # no header
        "text",
    ]
    for item in bad:
        with pytest.raises(MalformedInput):
            PedersenParams.decode(item)
    with pytest.raises(UnsupportedVersion):
        PedersenParams.decode(data[:4] + b"\x09" + data[5:])


@pytest.mark.parametrize("name", ["P256", "secp256k1", "EG4096"])
def test_commitment_encoding_round_trips_and_is_strict(name):
    from zkmed.formats import COMMITMENT, PEDERSEN_PARAMS

    g = get_group(name)
    pp = PedersenParams.default(g)
    c, _ = pp.commit_random(42)
    data = encode_commitment(g, c)
    assert data.startswith(COMMITMENT.header)
    assert g.eq(decode_commitment(g, data), c)
    assert encode_commitment(g, decode_commitment(g, data)) == data
    other = get_group("P256" if name != "P256" else "secp256k1")
    element = g.encode_element(c)
    for item in (data[:-1], data + b"\x00", PEDERSEN_PARAMS.wrap(data[5:]), data[5:]):
        with pytest.raises(MalformedInput):
            decode_commitment(g, item)
    with pytest.raises(MalformedInput):
        decode_commitment(other, data)  # made on another group
    tampered = bytearray(data)
    tampered[-len(element)] ^= 0xFF  # curve prefix / top byte of the integer
    with pytest.raises(MalformedInput):
        decode_commitment(g, bytes(tampered))
    with pytest.raises(MalformedInput):
        encode_commitment(g, g.identity())


def test_commit_uses_only_secret_operations(monkeypatch):
    g = get_group("EG4096")
    pp = PedersenParams.derive(g, b"zkmed-test/commit-ops")
    vp = VectorPedersenParams.derive(g, 3, b"zkmed-test/commit-ops-v")
    calls = []
    for name in ("mul", "mul_gen", "msm"):
        monkeypatch.setattr(g, name, lambda *a, _n=name, **k: calls.append(_n))
    pp.commit(5, 7)
    vp.commit([1, 0, 2], 9)
    assert calls == []


@pytest.mark.parametrize("name", ["P256", "EG4096"])
def test_commit_to_zero_never_adds_the_identity(monkeypatch, name):
    """Point addition returns early for an identity operand: commit() masks the value so 0 does not show."""
    from zkmed.hazmat.groups import BACKENDS

    g = BACKENDS[name]()  # a fresh instance: the patch stays on it
    pp = PedersenParams.derive(g, b"zkmed-test/mask")
    vp = VectorPedersenParams.derive(g, 3, b"zkmed-test/mask-v")
    operands = []
    real_add, real_sub = g.add, g.sub
    monkeypatch.setattr(g, "add", lambda a, b: operands.extend([a, b]) or real_add(a, b))
    monkeypatch.setattr(g, "sub", lambda a, b: operands.extend([a, b]) or real_sub(a, b))
    c = pp.commit(0, 5)
    cv = vp.commit([0, 0, 0], 7)
    assert operands and not any(g.is_identity(x) for x in operands)
    monkeypatch.undo()
    assert g.eq(c, g.mul(pp.h, 5)) and g.eq(cv, g.mul(vp.h, 7))
