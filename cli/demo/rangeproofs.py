"""``make demo`` step: a hidden lab value proven inside its reference interval; an out-of-range value refused."""

from __future__ import annotations

import datetime
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from zkmed.errors import ProvingError, VerificationError, ZkmedError
from zkmed.hazmat.bulletproofs.bulletproofs import RangeProof, batch_verify
from zkmed.hazmat.bulletproofs.generators import BulletproofGens
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import get_group
from zkmed.proofs.ranges import (
    interval_batch_entry,
    interval_layout,
    predicate_interval,
    prove_at_most,
    prove_interval,
    verify_at_most,
    verify_interval,
)
from zkmed.proofs.small_range import prove_in_range, verify_in_range

LAB_CONTEXT = b"zkmed/demo/lab/hba1c"
DATE_CONTEXT = b"zkmed/demo/birth-date"


def _ms(fn: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - t0) * 1e3


def run_demo(console: Console) -> None:
    """Prove HbA1c ∈ [4.0 %, 6.4 %] without revealing it; refuse 7.2 %; show tamper/replay rejection."""
    group = get_group()
    params = PedersenParams.default(group)
    BulletproofGens.get(group, 128)  # derive G_i, H_i once (cached) so the timings below are warm
    lo, hi = 40, 64  # HbA1c reference interval in tenths of a percent: 4.0 % .. 6.4 %
    value = 57  # the hidden measurement, 5.7 %
    blinding = group.random_scalar()
    com = params.commit(value, blinding)
    proof, t_prove = _ms(lambda: prove_interval(params, com, lo, hi, value, blinding, context=LAB_CONTEXT))
    _, t_verify = _ms(lambda: verify_interval(params, com, lo, hi, proof, context=LAB_CONTEXT))
    n, m = interval_layout(lo, hi)

    # a date as a day number: born on or before 2008-01-01 (one-sided predicate "≤")
    cutoff = datetime.date(2008, 1, 1).toordinal()
    birth = datetime.date(1990, 5, 17).toordinal()
    r_birth = group.random_scalar()
    c_birth = params.commit(birth, r_birth)
    date_proof, t_prove_date = _ms(lambda: prove_at_most(params, c_birth, cutoff, birth, r_birth, context=DATE_CONTEXT))
    _, t_verify_date = _ms(lambda: verify_at_most(params, c_birth, cutoff, date_proof, context=DATE_CONTEXT))
    date_lo, date_hi = predicate_interval("<=", cutoff)

    # a ballot-style small range: choice ∈ {0, 1, 2, 3} — the automatic rule picks the OR proof
    r_vote = group.random_scalar()
    c_vote = params.commit(2, r_vote)
    vote_proof, t_prove_vote = _ms(
        lambda: prove_in_range(params, c_vote, 0, 3, 2, r_vote, context=b"zkmed/demo/ballot")
    )
    _, t_verify_vote = _ms(lambda: verify_in_range(params, c_vote, 0, 3, vote_proof, context=b"zkmed/demo/ballot"))

    table = Table(title=f"range proofs on {group.name} (the values stay hidden)", title_justify="left")
    for col in ("claim", "construction", "proof bytes", "prove", "verify"):
        table.add_column(col)
    table.add_row(
        "HbA1c ∈ [4.0 %, 6.4 %]",
        f"Bulletproof n={n}, m={m} on C−40·G, 64·G−C",
        str(len(proof.to_bytes())),
        f"{t_prove:.1f} ms",
        f"{t_verify:.1f} ms",
    )
    table.add_row(
        "born on or before 2008-01-01",
        "Bulletproof n=64, m=1 (one-sided ≤)",
        str(len(date_proof.to_bytes())),
        f"{t_prove_date:.1f} ms",
        f"{t_verify_date:.1f} ms",
    )
    table.add_row(
        "ballot choice ∈ {0..3}",
        "CDS OR proof (auto-selected)",
        str(len(vote_proof.to_bytes())),
        f"{t_prove_vote:.1f} ms",
        f"{t_verify_vote:.1f} ms",
    )
    console.print(table)
    console.print(f"[dim]commitment C = {group.encode_element(com).hex()[:24]}… (value 5.7 % hidden)[/]")

    # both Bulletproofs checked together: one multi-scalar multiplication for the batch
    entries = [
        interval_batch_entry(params, com, lo, hi, proof, context=LAB_CONTEXT),
        interval_batch_entry(params, c_birth, date_lo, date_hi, date_proof, context=DATE_CONTEXT),
    ]
    batch_verify(params, entries)
    console.print("[green]✓[/] lab-value and birth-date proofs verify, also together in one batched MSM")

    out_value = 72  # 7.2 %: outside the reference interval
    r_out = group.random_scalar()
    try:
        prove_interval(params, params.commit(out_value, r_out), lo, hi, out_value, r_out, context=LAB_CONTEXT)
    except ProvingError as exc:
        console.print(f"[green]✓[/] HbA1c 7.2 % is refused by the prover: [dim]{exc.code}: {exc.diagnostic()}[/]")
    else:
        raise VerificationError("the prover emitted a proof for an out-of-range value")

    raw = bytearray(proof.to_bytes())
    raw[-1] ^= 1  # the last byte of the inner-product scalar b
    try:
        bad = RangeProof.from_bytes(group, bytes(raw))
        verify_interval(params, com, lo, hi, bad, context=LAB_CONTEXT)
    except ZkmedError as exc:
        console.print(f"[green]✓[/] a tampered proof is rejected: [dim]{exc.code}: {exc.diagnostic()}[/]")
    else:
        raise VerificationError("a tampered range proof was accepted")
    for what, args in (
        ("a narrower interval [4.0 %, 6.0 %]", (lo, 60, LAB_CONTEXT)),
        ("another context", (lo, hi, b"zkmed/demo/lab/other")),
    ):
        try:
            verify_interval(params, com, args[0], args[1], proof, context=args[2])
        except VerificationError:
            console.print(f"[green]✓[/] the same proof checked against {what} is rejected")
        else:
            raise VerificationError(f"a range proof verified against {what}")
