"""``zkmed sigma``: check IETF sigma-protocol NARG strings from the command line.

    zkmed sigma verify --ciphersuite sigma-proofs_Shake128_P256 --flavor batchable \\
        --tag discrete_logarithm-DSFS-with-sigma-proofs_Shake128_P256 --instance HEX --proof HEX
    zkmed sigma check-vectors tests/vectors/ietf-sigma/sigma-proofs_Shake128_P256.json
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from zkmed.canonical_json import parse_json
from zkmed.cli import render
from zkmed.cli.conventions import echo_json, result_json
from zkmed.encoding import hex_decode, utf8_decode, utf8_encode
from zkmed.errors import MalformedInput, ZkmedError
from zkmed.files import read_limited
from zkmed.hazmat.sigma import CIPHERSUITES, DEFAULT_CIPHERSUITE, FLAVORS, verify_nizk

#: the largest file a sigma command reads (statements, proofs, vector files)
MAX_READ = 64 << 20


def _hex_or_file(value: str, what: str) -> bytes:
    """``@path`` reads hex from a UTF-8 file (surrounding whitespace ignored); anything else is hex."""
    if value.startswith("@"):
        value = utf8_decode(read_limited(value[1:], MAX_READ, f"{what} file"), what=f"{what} file {value[1:]}").strip()
    return hex_decode(value, what=what)


_VECTOR_FIELDS = ("Ciphersuite", "Flavor", "Tag", "Instance", "NargString")


def _vector(v: Any, index: int) -> dict[str, str]:
    """One test vector: an object whose fields we read are strings."""
    if not isinstance(v, dict):
        raise MalformedInput(f"vector file: item {index} is not a JSON object")
    for field in (*_VECTOR_FIELDS, "Expected", "Id"):
        if field in v and not isinstance(v[field], str):
            raise MalformedInput(f"vector file: item {index}: {field} is not a string")
    missing = [f for f in _VECTOR_FIELDS if f not in v]
    if missing:
        raise MalformedInput(f"vector file: item {index}: missing {', '.join(missing)}")
    return v


@click.group()
def sigma() -> None:
    """Sigma-protocol proofs (draft-irtf-cfrg-sigma-protocols).

    Example: zkmed sigma check-vectors tests/vectors/ietf-sigma/sigma-proofs_Shake128_P256.json
    """


@sigma.command("verify")
@click.option("--ciphersuite", type=click.Choice(sorted(CIPHERSUITES)), default=DEFAULT_CIPHERSUITE, show_default=True)
@click.option("--flavor", type=click.Choice(FLAVORS), default="batchable", show_default=True)
@click.option("--tag", required=True, help="session tag as text (use --tag-hex for bytes)")
@click.option("--tag-hex", is_flag=True, help="the --tag value is hex")
@click.option("--instance", required=True, help="serialized linear relation, hex or @file")
@click.option("--proof", required=True, help="NARG string, hex or @file")
@click.option("--json", "as_json", is_flag=True, help="a zkmed.cli.result JSON document on stdout")
def verify_cmd(
    ciphersuite: str, flavor: str, tag: str, tag_hex: bool, instance: str, proof: str, as_json: bool
) -> None:
    """Verify one NARG string; exit 0 only if it is valid (2 if not).

    Example: zkmed sigma verify --tag my-protocol --instance @instance.hex --proof @proof.hex --json
    """
    tag_bytes = hex_decode(tag, what="--tag") if tag_hex else utf8_encode(tag, what="--tag")
    verify_nizk(ciphersuite, flavor, tag_bytes, _hex_or_file(instance, "instance"), _hex_or_file(proof, "proof"))
    if as_json:
        echo_json(result_json("zkmed sigma verify", {"ciphersuite": ciphersuite, "flavor": flavor}))
        return
    render.ok(f"valid {flavor} proof under {ciphersuite}")


@sigma.command("check-vectors")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="a zkmed.cli.result JSON document on stdout")
def check_vectors(path: Path, as_json: bool) -> None:
    """Verify every vector of an IETF sigma-protocols test-vector JSON file; exit 2 on a mismatch.

    Example: zkmed sigma check-vectors tests/vectors/ietf-sigma/sigma-proofs_Shake128_P256.json --json
    """
    vectors = parse_json(read_limited(path, MAX_READ, "vector file"))
    if not isinstance(vectors, list):
        raise MalformedInput("vector file must hold a JSON list")
    rows, failures = [], 0
    for index, item in enumerate(vectors):
        v = _vector(item, index)
        try:
            verify_nizk(
                v["Ciphersuite"],
                v["Flavor"],
                utf8_encode(v["Tag"], what="Tag"),
                hex_decode(v["Instance"], what="instance"),
                hex_decode(v["NargString"], what="proof"),
            )
            outcome = "accept"
        except ZkmedError as exc:
            outcome = f"reject ({exc.code})"
        expected = v.get("Expected", "accept")
        good = outcome.startswith(expected)
        failures += not good
        rows.append([v.get("Id", "?"), expected, outcome, "ok" if good else "MISMATCH"])
    if as_json:
        vectors_doc = [{"id": r[0], "expected": r[1], "got": r[2], "ok": r[3] == "ok"} for r in rows]
        echo_json(
            result_json("zkmed sigma check-vectors", {"file": path.name, "vectors": vectors_doc}, ok=not failures)
        )
        if failures:
            raise click.exceptions.Exit(2)
        return
    render.table(f"{path.name}", ["vector", "expected", "got", ""], rows)
    if failures:
        raise click.exceptions.Exit(2)
    render.ok(f"{len(rows)} vectors as expected")
