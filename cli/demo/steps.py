"""The building-block steps of `zkmed demo --primitives`; each takes a rich console and raises on failure."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from zkmed.errors import VerificationError, ZkmedError
from zkmed.hazmat.commitments import PedersenParams, derive_generators
from zkmed.hazmat.groups import get_group
from zkmed.hazmat.groups.selfcheck import self_check_all


def step_backends(console: Console) -> None:
    table = Table(title="group backends", title_justify="left")
    for col in ("group", "backend", "order bits", "element bytes", "self-check"):
        table.add_column(col)
    failed = []
    for r in self_check_all():
        table.add_row(
            r.name, r.backend, str(r.order_bits), str(r.element_size), "[green]ok" if r.ok else f"[red]{r.detail}"
        )
        if not r.ok:
            failed.append(r.name)
    console.print(table)
    if failed:
        raise ZkmedError(f"self-check failed for {', '.join(failed)}")


def step_generators(console: Console) -> None:
    group = get_group()
    params = PedersenParams.default(group)
    table = Table(title=f"generators on {group.name} (nobody knows their discrete logs)", title_justify="left")
    table.add_column("name")
    table.add_column("derived from")
    table.add_column("SEC1 compressed")
    table.add_row("G", "standard generator", group.encode_element(params.g).hex())
    table.add_row("H", repr(params.label + b"/H"), group.encode_element(params.h).hex())
    for i, gi in enumerate(derive_generators(group, b"zkmed/v1/demo/G", 3)):
        table.add_row(f"G_{i}", f"b'zkmed/v1/demo/G' || u32({i})", group.encode_element(gi).hex())
    console.print(table)


def step_commitment(console: Console) -> None:
    from zkmed.proofs import sigma as recipes

    group = get_group()
    params = PedersenParams.default(group)
    value = 42
    commitment, blinding = params.commit_random(value)
    context = b"zkmed/demo/commitment"
    proof = recipes.prove_opening(params, commitment, value, blinding.value, context=context)
    recipes.verify_opening(params, commitment, proof, context=context)
    console.print(
        f"[green]✓[/] commitment C = 42·G + r·H with an opening proof ({len(proof.to_bytes())} bytes) verifies"
    )
    raw = bytearray(proof.to_bytes())
    raw[-1] ^= 1
    try:
        bad = type(proof).from_bytes(group, bytes(raw))
        recipes.verify_opening(params, commitment, bad, context=context)
    except ZkmedError as exc:
        console.print(f"[green]✓[/] tampered proof rejected: [dim]{exc.code}: {exc.diagnostic()}[/]")
    else:
        raise VerificationError("a tampered opening proof was accepted")
    try:
        recipes.verify_opening(params, commitment, proof, context=b"zkmed/demo/other-context")
    except VerificationError:
        console.print("[green]✓[/] the same proof replayed into another context is rejected")
    else:
        raise VerificationError("a proof replayed into another context was accepted")


def step_ledger(console: Console) -> None:
    from zkmed.cli.demo.ledger_story import run_demo

    run_demo(console)


def step_rangeproof(console: Console) -> None:
    from zkmed.cli.demo.rangeproofs import run_demo

    run_demo(console)


STEPS: list[tuple[str, Callable[[Console], None]]] = [
    ("group backends and self-checks", step_backends),
    ("hash-to-curve generators", step_generators),
    ("Pedersen commitment, opening proof, tamper", step_commitment),
    ("ledger: authorities, checkpoint, proofs, tamper", step_ledger),
    ("range proof on a hidden lab value", step_rangeproof),
]
