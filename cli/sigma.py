"""``zkmed sigma``: check IETF sigma-protocol NARG strings from the command line.

    zkmed sigma verify --ciphersuite sigma-proofs_Shake128_P256 --flavor batchable \\
        --tag discrete_logarithm-DSFS-with-sigma-proofs_Shake128_P256 --instance HEX --proof HEX
    zkmed sigma check-vectors tests/vectors/ietf-sigma/sigma-proofs_Shake128_P256.json
"""

from __future__ import annotations

from pathlib import Path

import click

from zkmed.cli import render
from zkmed.encoding import hex_decode, parse_json
from zkmed.errors import MalformedInput, ZkmedError
from zkmed.hazmat.sigma import CIPHERSUITES, DEFAULT_CIPHERSUITE, FLAVORS, verify_nizk


def _hex_or_file(value: str, what: str) -> bytes:
    """``@path`` reads hex from a file; anything else is hex."""
    if value.startswith("@"):
        try:
            value = Path(value[1:]).read_text().strip()
        except OSError as exc:
            raise MalformedInput(f"{what}: cannot read {value[1:]}: {exc.strerror}") from exc
    return hex_decode(value, what=what)


@click.group()
def sigma() -> None:
    """Sigma-protocol proofs (draft-irtf-cfrg-sigma-protocols)."""


@sigma.command("verify")
@click.option("--ciphersuite", type=click.Choice(sorted(CIPHERSUITES)), default=DEFAULT_CIPHERSUITE, show_default=True)
@click.option("--flavor", type=click.Choice(FLAVORS), default="batchable", show_default=True)
@click.option("--tag", required=True, help="session tag as text (use --tag-hex for bytes)")
@click.option("--tag-hex", is_flag=True, help="the --tag value is hex")
@click.option("--instance", required=True, help="serialized linear relation, hex or @file")
@click.option("--proof", required=True, help="NARG string, hex or @file")
def verify_cmd(ciphersuite: str, flavor: str, tag: str, tag_hex: bool, instance: str, proof: str) -> None:
    """Verify one NARG string; exit 0 only if it is valid."""
    tag_bytes = hex_decode(tag, what="tag") if tag_hex else tag.encode("utf-8")
    verify_nizk(ciphersuite, flavor, tag_bytes, _hex_or_file(instance, "instance"), _hex_or_file(proof, "proof"))
    render.ok(f"valid {flavor} proof under {ciphersuite}")


@sigma.command("check-vectors")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check_vectors(path: Path) -> None:
    """Verify every vector of an IETF sigma-protocols test-vector JSON file."""
    vectors = parse_json(path.read_bytes())
    if not isinstance(vectors, list):
        raise MalformedInput("vector file must hold a JSON list")
    rows, failures = [], 0
    for v in vectors:
        try:
            verify_nizk(
                v["Ciphersuite"],
                v["Flavor"],
                v["Tag"].encode("utf-8"),
                hex_decode(v["Instance"], what="instance"),
                hex_decode(v["NargString"], what="proof"),
            )
            outcome = "accept"
        except ZkmedError as exc:
            outcome = f"reject ({exc.code})"
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedInput(f"vector file: missing or bad field {exc}") from exc
        expected = v.get("Expected", "accept")
        good = outcome.startswith(expected)
        failures += not good
        rows.append([v.get("Id", "?"), expected, outcome, "ok" if good else "MISMATCH"])
    render.table(f"{path.name}", ["vector", "expected", "got", ""], rows)
    if failures:
        raise click.exceptions.Exit(2)
    render.ok(f"{len(rows)} vectors as expected")
