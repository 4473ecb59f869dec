"""zkmed.hazmat.transcript against the draft-irtf-cfrg-fiat-shamir vectors (SHAKE128 duplex sponge and codecs).

Vectors: tests/vectors/ietf-sigma/ (see SOURCE.md there).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zkmed.encoding import ietf_read_field, ietf_read_uint, ietf_read_varlen, ietf_varlen, le_uint
from zkmed.errors import MalformedInput
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.transcript import DuplexSponge, Transcript, challenge_length, decode_uint, derive_session_id

VECTORS = Path(__file__).parent / "vectors" / "ietf-sigma"
SHAKE = json.loads((VECTORS / "fiatShamirShake128Vectors.json").read_text(encoding="utf-8"))
CODEC = json.loads((VECTORS / "fiatShamirCodecVectors.json").read_text(encoding="utf-8"))
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

# The sumcheck vectors exercise the draft's example protocol over Mersenne31
# (fiat-shamir, appendix "Example protocol: sumcheck"), which zkmed does not
# implement; they are skipped.  The little-endian deserializers live in
# zkmed.encoding (ietf_read_uint / ietf_read_field / ietf_read_varlen).
NOT_IMPLEMENTED = {
    "Sumcheck": "example sumcheck protocol over Mersenne31 is not part of zkmed",
}


def _ids(vectors: list[dict]) -> list[str]:
    return [v["Id"] for v in vectors]


def _run_operations(sponge: DuplexSponge, operations: list[dict]) -> bytes:
    out = b""
    for op in operations:
        if op["type"] == "absorb":
            sponge.absorb(bytes.fromhex(op["data"]))
        elif op["type"] == "squeeze":
            out += sponge.squeeze(op["length"])
        else:  # pragma: no cover - vector format guard
            raise AssertionError(op)
    return out


@pytest.mark.parametrize("vec", SHAKE, ids=_ids(SHAKE))
def test_shake128_vectors(vec: dict) -> None:
    assert vec["Hash"] == "SHAKE128"
    fn = vec["Function"]
    if fn in NOT_IMPLEMENTED:
        pytest.skip(NOT_IMPLEMENTED[fn])
    if fn == "DeriveSessionID":
        assert derive_session_id(bytes.fromhex(vec["Tag"])).hex() == vec["Output"]
        return
    sponge = DuplexSponge(bytes.fromhex(vec["SessionId"]))
    out = _run_operations(sponge, vec["Operations"])
    assert out.hex() == vec["Output"]
    if fn == "DecodeUint":
        modulus = int(vec["Modulus"], 16)
        assert decode_uint(out, modulus) == int(vec["Challenge"], 16)
    else:
        assert fn == "DuplexSponge"


def test_decode_uint_vector_through_transcript() -> None:
    """The same DecodeUint vector via Transcript: its instance is the first (and only) absorb."""
    (vec,) = [v for v in SHAKE if v["Function"] == "DecodeUint"]
    (absorb, squeeze) = vec["Operations"]
    t = Transcript(b"unused", bytes.fromhex(absorb["data"]), session_id=bytes.fromhex(vec["SessionId"]))
    assert squeeze["length"] == challenge_length(int(vec["Modulus"], 16))
    assert t.challenge_scalar(int(vec["Modulus"], 16)) == int(vec["Challenge"], 16)


@pytest.mark.parametrize("vec", CODEC, ids=_ids(CODEC))
def test_codec_vectors(vec: dict) -> None:
    fn = vec["Function"]
    if fn in NOT_IMPLEMENTED:
        pytest.skip(NOT_IMPLEMENTED[fn])
    if fn == "SerializeVarLenString":
        assert ietf_varlen(bytes.fromhex(vec["Input"])).hex() == vec["Output"]
    elif fn == "SerializeUint":
        modulus = int(vec["Modulus"], 16)
        ns = (modulus.bit_length() + 7) // 8
        assert le_uint(int(vec["Value"], 16), ns).hex() == vec["Output"]
    elif fn == "SerializeField":
        assert vec["Group"] == "P-256" and vec["ByteOrder"] == "big-endian"
        group = get_group("P256")
        assert group.order == int(vec["Modulus"], 16)
        assert group.encode_scalar(int(vec["Value"], 16)).hex() == vec["Output"]
    elif fn == "DecodeUint":
        assert decode_uint(bytes.fromhex(vec["Input"]), int(vec["Modulus"], 16)) == int(vec["Challenge"], 16)
    elif fn in ("DeserializeUint", "DeserializeField", "DeserializeVarLenString"):
        _check_deserializer(vec)
    else:  # pragma: no cover - a new function in the vector file
        pytest.fail(f"unhandled codec function {fn}")


def test_every_vector_function_is_accounted_for() -> None:
    handled = {
        "DuplexSponge",
        "DeriveSessionID",
        "DecodeUint",
        "SerializeVarLenString",
        "SerializeUint",
        "SerializeField",
        "DeserializeUint",
        "DeserializeField",
        "DeserializeVarLenString",
    }
    for vec in SHAKE + CODEC:
        assert vec["Function"] in handled | set(NOT_IMPLEMENTED), vec["Id"]


def test_p256_order_matches_vectors() -> None:
    assert get_group("P256").order == P256_ORDER
    assert challenge_length(P256_ORDER) == 48


def test_decode_uint_rejects_wrong_length() -> None:
    with pytest.raises(MalformedInput):
        decode_uint(bytes(47), P256_ORDER)
    with pytest.raises(MalformedInput):
        decode_uint(bytes(49), P256_ORDER)


def test_sponge_rejects_bad_session_id_and_negative_squeeze() -> None:
    with pytest.raises(MalformedInput):
        DuplexSponge(bytes(31))
    with pytest.raises(MalformedInput):
        DuplexSponge(bytes(32)).squeeze(-1)


def test_sponge_copy_is_independent() -> None:
    a = DuplexSponge(bytes(32))
    a.absorb(b"abc")
    b = a.copy()
    first = a.squeeze(16)
    assert b.squeeze(16) == first
    a.absorb(b"x")
    b.absorb(b"y")
    assert a.squeeze(16) != b.squeeze(16)


def test_transcript_is_tag_then_instance_then_messages() -> None:
    tag, instance, message = b"zkmed-test-tag", b"\x01instance", b"prover message"
    t = Transcript(tag, instance)
    t.absorb(message)
    sponge = DuplexSponge(derive_session_id(tag))
    sponge.absorb(instance + message)
    assert t.session_id == derive_session_id(tag)
    assert t.challenge_bytes(48) == sponge.squeeze(48)


def test_transcript_rejects_empty_instance() -> None:
    with pytest.raises(MalformedInput):
        Transcript(b"tag", b"")


def test_transcript_copy_and_challenges() -> None:
    t = Transcript(b"tag", b"instance")
    u = t.copy()
    assert t.challenge_scalar(P256_ORDER) == u.challenge_scalar(P256_ORDER)
    t.absorb(b"a")
    u.absorb(b"b")
    assert t.challenge_scalar(P256_ORDER) != u.challenge_scalar(P256_ORDER)
    scalars = Transcript(b"tag", b"instance").challenge_scalars(P256_ORDER, 3)
    assert len(set(scalars)) == 3 and all(0 <= s < P256_ORDER for s in scalars)


def _check_deserializer(vec: dict) -> None:
    data = bytes.fromhex(vec["Input"])
    fn = vec["Function"]

    def run() -> object:
        if fn == "DeserializeVarLenString":
            value, rest = ietf_read_varlen(data)
        elif fn == "DeserializeUint":
            value, rest = ietf_read_uint(data, int(vec["Modulus"], 16))
        else:
            value, rest = ietf_read_field(data, int(vec["Modulus"], 16), vec["ExtensionDegree"])
        assert rest == b""
        return value

    if vec.get("Expected") == "reject":
        with pytest.raises(MalformedInput):
            run()
    else:
        assert run() == tuple(int(c, 16) for c in vec["Coordinates"])
