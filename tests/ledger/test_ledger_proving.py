"""Receipts for the entry right after a stored checkpoint (regression: it was refused)."""

from __future__ import annotations

from pathlib import Path

from zkmed.ledger.ledger import Ledger
from zkmed.ledger.receipt import verify_receipt


def test_receipt_for_the_first_entry_past_the_latest_checkpoint(tmp_path: Path) -> None:
    with Ledger.init(tmp_path / "l", authorities=3, threshold=2, name="test.example/proving") as led:
        led.append_batch([("t", bytes([i])) for i in range(5)])
        assert led.checkpoint().checkpoint.tree_size == 5
        led.append_batch([("t", bytes([i])) for i in range(5, 8)])
        receipt = led.prove_inclusion(5)  # the size-5 checkpoint does not hold entry 5: a covering one is cosigned
        assert receipt.index == 5
        verify_receipt(receipt, led.policy())
        assert [c.checkpoint.tree_size for c in led.checkpoints()] == [5, 8]
