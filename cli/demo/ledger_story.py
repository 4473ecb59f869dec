"""The ledger step of ``make demo``: build, prove, tamper, detect.

A 3-authority (2-of-3) ledger in a temporary directory receives a few
entries; its authorities cosign a checkpoint; a voter's inclusion receipt
(C2SP tlog-proof) and a consistency proof are verified offline against the
public trust policy only; then one byte of an entry is flipped inside the
SQLite file and ``verify`` names the entry.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from zkmed.canonical_json import canonical_json
from zkmed.errors import VerificationError
from zkmed.ledger.audit import audit_store
from zkmed.ledger.checkpoint import TrustPolicy
from zkmed.ledger.ledger import POLICY_FILE, STORE_FILE, Ledger
from zkmed.ledger.receipt import ConsistencyProof, TlogProof, verify_consistency_proof, verify_receipt

BALLOTS = [
    {"ballot": "b-0001", "ciphertext": "7f3a…", "precinct": 12},
    {"ballot": "b-0002", "ciphertext": "91c0…", "precinct": 12},
    {"ballot": "b-0003", "ciphertext": "04be…", "precinct": 7},
    {"ballot": "b-0004", "ciphertext": "d2e9…", "precinct": 3},
]


def _flip_byte(path: Path, needle: bytes, offset: int) -> None:
    """Flip one byte of ``needle`` where it is stored in the (closed) SQLite file."""
    data = bytearray(path.read_bytes())
    at = data.find(needle)
    if at < 0:
        raise VerificationError("demo: the entry's bytes were not found in the store file")
    data[at + offset] ^= 0x01
    path.write_bytes(bytes(data))


def run_demo(console: Console) -> None:
    """Run the ledger demo and print a summary table."""
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="zkmed-ledger-demo-") as tmp:
        directory = Path(tmp) / "election"
        t0 = time.perf_counter()
        with Ledger.init(directory, authorities=3, threshold=2, name="demo.zkmed.example/election") as led:
            rows.append(("init", "ok", f"2-of-3 authorities, origin {led.origin[:40]}…"))
            for ballot in BALLOTS[:2]:
                led.append("ballot", canonical_json(ballot))
            first = led.checkpoint()
            done = led.append_batch([("ballot", canonical_json(b)) for b in BALLOTS[2:]])
            rows.append(
                ("append", "ok", f"{led.size} entries in {led.height} blocks (last block: {done.count} entries)")
            )
            latest = led.checkpoint()
            rows.append(
                (
                    "checkpoint",
                    "ok",
                    f"tree size {latest.checkpoint.tree_size}, {len(latest.note.signatures)} cosignatures",
                )
            )
            receipt_text = led.prove_inclusion(1).format()
            consistency_text = led.prove_consistency(first.checkpoint.tree_size).format()
            needle = led.store.entry(2)
        policy = TrustPolicy.parse((directory / POLICY_FILE).read_text(encoding="utf-8"))
        verify_receipt(TlogProof.parse(receipt_text), policy)
        rows.append(
            ("inclusion receipt", "verified", f"entry 1, {receipt_text.count(chr(10))} lines of C2SP tlog-proof")
        )
        verify_consistency_proof(ConsistencyProof.parse(consistency_text), policy, first.text())
        rows.append(
            (
                "consistency proof",
                "verified",
                f"tree {first.checkpoint.tree_size} is a prefix of tree {latest.checkpoint.tree_size}",
            )
        )
        with Ledger.open(directory) as led:  # read-only, no keys; anchored to the policy read above
            report = audit_store(led.store, policy=policy)
        rows.append(
            (
                "ledger verify",
                "ok",
                f"{report.blocks} blocks, {report.entries} entries, {report.checkpoints} checkpoints",
            )
        )
        if needle is None:
            raise VerificationError("demo: entry 2 is missing")
        _flip_byte(directory / STORE_FILE, needle, len(needle) - 3)
        with Ledger.open(directory) as led:
            try:
                audit_store(led.store, policy=policy)
            except VerificationError as exc:
                rows.append(("flip one stored byte", "detected", exc.diagnostic()))
            else:
                raise VerificationError("demo: a flipped byte went unnoticed")
        elapsed = time.perf_counter() - t0
    table = Table(title=f"ledger: append-only log with receipts ({elapsed:.2f} s)", title_justify="left")
    for column in ("step", "result", "detail"):
        table.add_column(column)
    for step, result, detail in rows:
        style = "green" if result in ("ok", "verified", "detected") else "red"
        table.add_row(step, f"[{style}]{result}[/]", detail)
    console.print(table)
