"""The ``make demo`` step for range proofs runs and reports what it should."""

from __future__ import annotations

import io

from rich.console import Console

from zkmed.cli.demo.rangeproofs import run_demo


def test_run_demo():
    out = io.StringIO()
    run_demo(Console(file=out, width=140, force_terminal=False))
    text = out.getvalue()
    assert "HbA1c" in text and "561" in text and "693" in text  # 556- and 688-byte bodies + 5-byte headers
    assert "refused by the prover" in text and "proving-refused" in text
    assert text.count("✓") == 5
