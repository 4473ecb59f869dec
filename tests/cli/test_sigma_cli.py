"""``zkmed sigma``: verify NARG strings and whole vector files from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from zkmed.cli.main import main

VECTORS = Path(__file__).parent.parent / "vectors" / "ietf-sigma" / "sigma-proofs_Shake128_P256.json"


def _vector() -> dict[str, str]:
    return json.loads(VECTORS.read_text())[0]


def _args(v: dict[str, str], proof: str) -> list[str]:
    return [
        "sigma",
        "verify",
        "--ciphersuite",
        v["Ciphersuite"],
        "--flavor",
        v["Flavor"],
        "--tag",
        v["Tag"],
        "--instance",
        v["Instance"],
        "--proof",
        proof,
    ]


def test_verify_accepts_a_valid_vector() -> None:
    v = _vector()
    result = CliRunner().invoke(main, _args(v, v["NargString"]))
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_verify_rejects_a_flipped_byte_with_exit_code_2() -> None:
    v = _vector()
    proof = bytearray.fromhex(v["NargString"])
    proof[-1] ^= 1
    result = CliRunner().invoke(main, _args(v, proof.hex()))
    assert result.exit_code == 2
    assert "verification-failed" in result.output
    assert "Traceback" not in result.output


def test_verify_reads_hex_from_files(tmp_path: Path) -> None:
    v = _vector()
    (tmp_path / "proof.hex").write_text(v["NargString"] + "\n")
    result = CliRunner().invoke(main, _args(v, f"@{tmp_path / 'proof.hex'}"))
    assert result.exit_code == 0, result.output


def test_bad_hex_is_malformed_input() -> None:
    v = _vector()
    result = CliRunner().invoke(main, _args(v, "zz"))
    assert result.exit_code == 4
    assert "malformed-input" in result.output


def test_check_vectors_file() -> None:
    result = CliRunner().invoke(main, ["sigma", "check-vectors", str(VECTORS)])
    assert result.exit_code == 0, result.output
    assert "vectors as expected" in result.output


def test_check_vectors_reports_mismatch(tmp_path: Path) -> None:
    vectors = json.loads(VECTORS.read_text())[:2]
    vectors[1]["NargString"] = vectors[0]["NargString"]
    path = tmp_path / "v.json"
    path.write_text(json.dumps(vectors))
    result = CliRunner().invoke(main, ["sigma", "check-vectors", str(path)])
    assert result.exit_code == 2
    assert "MISMATCH" in result.output
