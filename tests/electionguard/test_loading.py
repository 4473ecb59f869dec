"""Strict loading: malformed records exit as MalformedInput; unsupported features are refused; the arithmetic."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from pathlib import Path

import gmpy2
import pytest
from eg_support import BALLOTS, RECORDS, dump, load

from zkmed.electionguard import check_record, hashing
from zkmed.electionguard.arith import Arith
from zkmed.electionguard.record import load_record
from zkmed.errors import MalformedInput, UnsupportedVersion
from zkmed.hazmat.groups.modp_gmpy2 import EG_G, EG_P, EG_Q

CAST_BALLOT = "eballot-id-10.json"


def b64_int(x: int, size: int = 512) -> str:
    return base64.b64encode(x.to_bytes(size, "big")).decode()


def _edit_vote(rec: Path, value: str) -> None:
    path = rec / BALLOTS / CAST_BALLOT
    ballot = load(path)
    ballot["contests"][0]["selections"][0]["encrypted_vote"]["pad"] = value
    dump(path, ballot)


def test_cofactor_structure() -> None:
    """The batched subgroup test relies on p - 1 = 2·q·r' with r' prime (arith module docstring)."""
    r = (EG_P - 1) // EG_Q
    assert (EG_P - 1) % EG_Q == 0 and r % 2 == 0 and gmpy2.is_prime(r // 2, 20) and r // 2 > 2**128


@pytest.mark.parametrize(
    "value",
    [
        "AAAA" * 10,  # 30 bytes: wrong length
        b64_int(EG_G)[:-4] + "====",  # bad padding
        b64_int(EG_G).replace("=", ""),  # padding missing
        b64_int(EG_P - 1),  # -1: not a quadratic residue
        b64_int(4),  # a quadratic residue outside the order-q subgroup (batch test)
        b64_int(EG_P),  # out of range
        b64_int(0),
        b64_int(1),  # the identity is not allowed in a ciphertext
    ],
)
def test_bad_elements_are_malformed(copy_record: Callable[..., Path], value: str) -> None:
    rec = copy_record(keep_ballots=[CAST_BALLOT], keep_challenged=[])
    _edit_vote(rec, value)
    with pytest.raises(MalformedInput):
        check_record(rec, steps={"V7"})


def test_non_canonical_base64_is_malformed(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[CAST_BALLOT], keep_challenged=[])
    # a scalar of 32 bytes is 44 characters with one '=': the last data character carries 2 pad bits
    ballot = load(rec / BALLOTS / CAST_BALLOT)
    proof = ballot["contests"][0]["selections"][0]["proof"]["proofs"][0]
    text = proof["response"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(text[-2])
    proof["response"] = text[:-2] + alphabet[last ^ 1] + "="  # same bytes, non-zero pad bits
    assert base64.b64decode(proof["response"]) == base64.b64decode(text)
    dump(rec / BALLOTS / CAST_BALLOT, ballot)
    with pytest.raises(MalformedInput, match="non-canonical"):
        check_record(rec, steps={"V7"})


def test_scalar_not_below_q_is_malformed(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[CAST_BALLOT], keep_challenged=[])
    ballot = load(rec / BALLOTS / CAST_BALLOT)
    ballot["contests"][0]["proof"]["proofs"][0]["response"] = b64_int(EG_Q, 32)
    dump(rec / BALLOTS / CAST_BALLOT, ballot)
    with pytest.raises(MalformedInput, match="not below q"):
        check_record(rec, steps={"V7"})


@pytest.mark.parametrize(
    ("file", "edit"),
    [
        ("election_config.json", lambda d: d.pop("quorum")),
        ("election_config.json", lambda d: d.update(number_of_guardians=True)),
        ("election_initialized.json", lambda d: d.update(extended_base_hash="AAAA")),
        ("tally.json", lambda d: d["contests"][0]["selections"][0].update(tally=-1)),
        ("encrypted_tally.json", lambda d: d["contests"].append(d["contests"][0])),
        ("constants.json", lambda d: d["constants"].update(largePrime="0x" + d["constants"]["largePrime"])),
    ],
)
def test_malformed_small_files(copy_record: Callable[..., Path], file: str, edit: Callable[[dict], object]) -> None:
    rec = copy_record(keep_ballots=[], keep_challenged=[])
    doc = load(rec / file)
    edit(doc)
    dump(rec / file, doc)
    with pytest.raises(MalformedInput):
        load_record(rec)


def test_missing_or_unreadable(tmp_path: Path) -> None:
    with pytest.raises(MalformedInput):
        load_record(tmp_path / "nothing")
    with pytest.raises(MalformedInput):
        load_record(tmp_path)
    (tmp_path / "constants.json").write_text("{not json")
    with pytest.raises(MalformedInput):
        load_record(tmp_path)


def test_chaining_and_preencryption_are_refused(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[CAST_BALLOT], keep_challenged=[])
    ballot = load(rec / BALLOTS / CAST_BALLOT)
    ballot["is_preencrypt"] = True
    dump(rec / BALLOTS / CAST_BALLOT, ballot)
    with pytest.raises(UnsupportedVersion, match="pre-encrypted"):
        check_record(rec, steps={"V7"})
    config = load(rec / "election_config.json")
    config["chain_confirmation_codes"] = True
    dump(rec / "election_config.json", config)
    with pytest.raises(UnsupportedVersion, match="chains confirmation codes"):
        load_record(rec)


def test_unknown_optional_fields_are_ignored(copy_record: Callable[..., Path]) -> None:
    rec = copy_record(keep_ballots=[CAST_BALLOT], keep_challenged=[])
    ballot = load(rec / BALLOTS / CAST_BALLOT)
    for key in ("encrypted_sn", "timestamp"):
        ballot.pop(key)
    ballot["ballot_count"] = 99
    dump(rec / BALLOTS / CAST_BALLOT, ballot)
    assert not check_record(rec, steps={"V7"}).failed


def test_departures_from_the_pdf_tables() -> None:
    """The records follow two hash conventions that differ from the 2.0 PDF's tables (docs/electionguard.md)."""
    rec = RECORDS["allAvailable"]
    ballot = load(rec / BALLOTS / CAST_BALLOT)
    h_e = base64.b64decode(load(rec / "election_initialized.json")["extended_base_hash"])
    chis = [base64.b64decode(c["contest_hash"]) for c in ballot["contests"]]
    b_aux = bytes.fromhex(ballot["code_baux"])
    code = base64.b64decode(ballot["confirmation_code"])
    assert hashing.confirmation_code(h_e, chis, b_aux) == code
    assert hashing.H(h_e, b"\x24", *chis, len(b_aux).to_bytes(4, "big"), b_aux) != code  # the PDF's table
    h_p = hashing.parameter_base_hash(EG_P, EG_Q, EG_G)
    assert h_p.hex().upper() == "2B3B025E50E09C119CBA7E9448ACD1CABC9447EF39BF06327D81C665CDD86296"


@pytest.mark.parametrize("fast", [True, False])
def test_arith_modes_agree(fast: bool) -> None:
    p = EG_P
    k = pow(EG_G, secrets.randbelow(EG_Q), p)
    x = pow(EG_G, secrets.randbelow(EG_Q), p)
    a = Arith(k, fast=fast)
    es = [secrets.randbits(256), secrets.randbelow(EG_Q), 0, 1]
    assert a.pow_many(gmpy2.mpz(x), es) == [pow(x, e, p) for e in es]
    assert a.k_pow(es[0]) == pow(k, es[0], p) and a.g_pow(es[1]) == pow(EG_G, es[1], p)
    assert a.pow2(gmpy2.mpz(x), es[0], gmpy2.mpz(k), es[1]) == pow(x, es[0], p) * pow(k, es[1], p) % p
    good = [(gmpy2.mpz(pow(x, i + 2, p)), f"x{i}") for i in range(5)]
    a.check_subgroup(good)
    with pytest.raises(MalformedInput, match="bad"):
        a.check_subgroup([*good, (gmpy2.mpz(4), "bad")])


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6])
def test_chain_product_is_the_chain_of_the_product(count: int) -> None:
    """A contest's ``ᾱ = Π α_i`` chain from its selections' chains (≤ 4) or its own (more): the same powers."""
    p = EG_P
    a = Arith(None)
    xs = [gmpy2.mpz(pow(EG_G, secrets.randbelow(EG_Q), p)) for _ in range(count)]
    product = gmpy2.mpz(1)
    for x in xs:
        product = product * x % p
    chain = a.chain_product([a.chain(x) for x in xs])
    assert chain == a.chain(product) and chain[0] == product
    es = [secrets.randbelow(EG_Q), secrets.randbelow(EG_Q), 0]
    assert a.pow_chain(chain, es) == [pow(int(product), e, p) for e in es]
