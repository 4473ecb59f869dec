"""Range proofs: Bulletproofs prove / verify / batch-verify, the MSM cost floor, zksk, small-range OR proofs.

Tables (all on P-256, petlib/OpenSSL, one process, one core):

1. Bulletproofs for ``n ∈ {8,16,32,64}`` bits × ``m ∈ {1,2,4,8,16}`` values:
   prove, verify, proof size (checked against ``2·⌈log2(n·m)⌉ + 9`` items),
   the backend's own ``msm`` time for the same number of points (the cost
   floor of a one-MSM verifier) and the ratio verify / floor (goal ≤ 1.5×).
2. Batch verification of ``B`` proofs per configuration in one MSM.
3. Side by side with zksk 0.0.2's bit-decomposition range proof
   (``PowerTwoRangeStmt``, Schoenmakers) on the same curve, when zksk imports.
4. Small-range CDS OR proofs against a Bulletproof for the same interval —
   the measurement behind ``zkmed.proofs.small_range.OR_MAX_VALUES``.

``quick=True`` keeps the run under ~40 s (fewer sizes, shorter timings).
"""

from __future__ import annotations

import math
from typing import Any

from benchmarks.harness import Table, single_core, threads_note, time_us
from zkmed.hazmat.bulletproofs.bulletproofs import (
    BatchEntry,
    BulletproofGens,
    batch_verify,
    proof_items,
    proof_size,
    prove_aggregated,
    verify_aggregated,
)
from zkmed.hazmat.commitments import PedersenParams, derive_generators
from zkmed.hazmat.groups import get_group
from zkmed.proofs.ranges import prove_interval, verify_interval
from zkmed.proofs.small_range import OR_MAX_VALUES, prove_small_range, verify_small_range

BITS = (8, 16, 32, 64)
COUNTS = (1, 2, 4, 8, 16)
DALEK_NOTE = (
    "Published reference (dalek-cryptography/bulletproofs, Rust, Curve25519, 64-bit single proof): "
    "about 7 ms prove, 1 ms verify, 672 bytes on a 3.5 GHz desktop."
)


def _timer(quick: bool):
    if quick:
        return lambda fn: time_us(fn, min_time=0.02, repeat=3) / 1000.0
    return lambda fn: time_us(fn, min_time=0.1, repeat=5) / 1000.0


def _msm_points(n: int, m: int) -> int:
    """Points in the verifier's single MSM: 2N + 2k + m + 5 (+ G in the generator slot)."""
    mp = 1 << (m - 1).bit_length()
    big_n = n * mp
    return 2 * big_n + 2 * (big_n.bit_length() - 1) + m + 5


def _make(params: PedersenParams, n: int, m: int, seed: int) -> tuple[Any, list[Any], list[int]]:
    g = params.group
    values = [(seed * 7919 + j * 104729) % (1 << n) for j in range(m)]
    blindings = [g.random_scalar() for _ in range(m)]
    proof, coms = prove_aggregated(params, n, values, blindings, context=b"bench")
    return proof, coms, values


def _bulletproof_tables(params: PedersenParams, quick: bool) -> list[Table]:
    g = params.group
    timed = _timer(quick)
    bits = (8, 64) if quick else BITS
    counts = (1, 4, 16) if quick else COUNTS
    batch_size = 4 if quick else 8
    main = Table(
        f"Bulletproofs on {g.name}: prove / verify / size",
        ["n", "m", "prove ms", "verify ms", "bytes", "items", "msm points", "msm floor ms", "verify / msm"],
    )
    batch = Table(
        f"Bulletproofs batch verification on {g.name} (one MSM per batch)",
        ["n", "m", "proofs", "batch ms", "per proof ms", "single verify ms", "speed-up"],
    )
    ratios = []
    BulletproofGens.get(g, 64 * 16)  # derive the generators once, outside the timings
    for n in bits:
        for m in counts:
            proof, coms, values = _make(params, n, m, 1)
            blindings = [g.random_scalar() for _ in range(m)]
            t_prove = timed(lambda n=n, v=values, b=blindings: prove_aggregated(params, n, v, b, context=b"bench"))
            t_verify = timed(lambda p=proof, c=coms, n=n: verify_aggregated(params, c, n, p, context=b"bench"))
            size = len(proof.to_bytes())
            if size != proof_size(g, n, m) or proof_items(n, m) != 2 * math.ceil(math.log2(n * m)) + 9:
                raise RuntimeError(f"proof size off the formula for n={n}, m={m}")
            points = _msm_points(n, m)
            bases = derive_generators(g, b"zkmed/bench/msm", points)
            scalars = [g.random_scalar() for _ in range(points)]
            t_msm = timed(lambda s=scalars, b=bases: g.msm(s, b, gen_scalar=12345))
            ratios.append(t_verify / t_msm)
            main.add(n, m, t_prove, t_verify, size, proof_items(n, m), points + 1, t_msm, t_verify / t_msm)
            entries = [BatchEntry(coms, n, proof, b"bench")]
            for s in range(2, batch_size + 1):
                other, other_coms, _ = _make(params, n, m, s)
                entries.append(BatchEntry(other_coms, n, other, b"bench"))
            t_batch = timed(lambda e=entries: batch_verify(params, e))
            batch.add(n, m, batch_size, t_batch, t_batch / batch_size, t_verify, t_verify * batch_size / t_batch)
    main.notes += [
        "bytes = 5 (format header) + (2k + 4)·33 + 5·32 with k = ⌈log2(n·m)⌉, i.e. 2k + 9 items "
        "(checked for every row).",
        "prove: constant-time in the secrets — A and S from 3N + 1 secret-scalar multiplications (no bit "
        "branches, no variable-time MSM over secrets); verify: every proof field checked, one MSM.",
        "msm floor: the backend's own group.msm over the same number of points (G in the generator slot) "
        "with random scalars — the cost of the verifier's single multi-scalar multiplication alone.",
        f"verify / msm: goal ≤ 1.5×; measured {min(ratios):.2f}–{max(ratios):.2f}×.",
        threads_note() + " (the verifier and the msm floor alike).",
        "m that is not a power of two is padded internally to the next power of two (size formula uses ⌈·⌉).",
        DALEK_NOTE,
    ]
    batch.notes += [
        "All proofs are absorbed (challenges replayed) before the random weights are drawn; "
        "the batch shares G_i, H_i, G, H in one MSM.",
    ]
    return [main, batch]


# ------------------------------------------------------------------ zksk


def _zksk_size(obj: Any) -> int:
    """Compact byte count of zksk's NIZK contents: points 33 B, integers at their minimal length."""
    from petlib.bn import Bn
    from petlib.ec import EcPt

    if isinstance(obj, EcPt):
        return 33
    if isinstance(obj, (Bn, int)):
        return max(1, (abs(int(obj)).bit_length() + 7) // 8)
    if isinstance(obj, dict):
        return sum(_zksk_size(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(_zksk_size(v) for v in obj)
    return 0


def _zksk_measure(zksk: tuple[Any, ...], n: int, value: int, timed: Any) -> tuple[float, float, int]:
    """zksk's prove / verify times (ms) and compact size for one ``n``-bit value on P-256."""
    bn_cls, ec_group, secret, stmt_cls = zksk
    grp = ec_group(415)  # NID_X9_62_prime256v1: the same curve and OpenSSL backend
    gz, hz = grp.hash_to_point(b"zkmed-bench/g"), grp.hash_to_point(b"zkmed-bench/h")
    rz = grp.order().random()
    x_bn = bn_cls.from_decimal(str(value))
    com = x_bn * gz + rz * hz

    def z_prove() -> Any:
        stmt = stmt_cls(com=com, g=gz, h=hz, num_bits=n, x=secret(value=x_bn), randomizer=secret(value=rz))
        return stmt.prove()

    nizk = z_prove()

    def z_verify() -> None:
        if not stmt_cls(com=com, g=gz, h=hz, num_bits=n, x=secret(), randomizer=secret()).verify(nizk):
            raise RuntimeError("zksk proof did not verify")

    size = _zksk_size([nizk.challenge, nizk.responses, nizk.precommitment])
    return timed(z_prove), timed(z_verify), size


def _zksk_table(params: PedersenParams, quick: bool) -> Table:
    g = params.group
    timed = _timer(quick)
    table = Table(
        f"Bulletproofs vs zksk 0.0.2 bit-decomposition range proof ({g.name}, single value)",
        [
            "n",
            "zkmed prove ms",
            "zkmed verify ms",
            "zkmed bytes",
            "zkmed verify ms, 1 core",
            "zksk prove ms",
            "zksk verify ms",
            "zksk bytes",
            "verify speed-up",
            "verify speed-up, 1 core",
            "size ratio",
        ],
    )
    bits = (8, 64) if quick else BITS
    try:
        from petlib.bn import Bn
        from petlib.ec import EcGroup
        from zksk import Secret
        from zksk.primitives.rangeproof import PowerTwoRangeStmt
    except Exception as exc:  # any import failure means "not available"
        table.notes.append(
            f"zksk could not be imported ({type(exc).__name__}: {exc}); install it into a benchmark-only "
            "environment with `pip install --no-deps zksk attrs` (its bplib dependency does not build; the "
            "range proof does not need it). zkmed columns only."
        )
        zksk = None
    else:
        zksk = (Bn, EcGroup, Secret, PowerTwoRangeStmt)
    for n in bits:
        value = (1 << n) - 12345 % (1 << n)
        r = g.random_scalar()
        proof, coms = prove_aggregated(params, n, [value], [r], context=b"bench")
        with single_core():
            one_core = timed(lambda p=proof, c=coms, n=n: verify_aggregated(params, c, n, p, context=b"bench"))
        ours = (
            timed(lambda n=n, v=value, r=r: prove_aggregated(params, n, [v], [r], context=b"bench")),
            timed(lambda p=proof, c=coms, n=n: verify_aggregated(params, c, n, p, context=b"bench")),
            len(proof.to_bytes()),
        )
        if zksk is None:
            table.add(n, *ours, one_core, "n/a", "n/a", "n/a", "n/a", "n/a", "n/a")
            continue
        t_zp, t_zv, z_size = _zksk_measure(zksk, n, value, timed)
        table.add(n, *ours, one_core, t_zp, t_zv, z_size, t_zv / ours[1], t_zv / one_core, z_size / ours[2])
    table.notes += [
        "zksk: zksk.primitives.rangeproof.PowerTwoRangeStmt (one OR proof per bit, Schoenmakers) on "
        "petlib EcGroup(415) = P-256, the same OpenSSL code as zkmed's backend.",
        "zksk bytes: zksk has no wire format; its NIZK (challenge, responses, precommitment) is counted "
        "compactly — points 33 B, integers at their minimal length, the statement hash left out.",
        "Goal: 64-bit verify ≥ 10× faster and proof ≥ 10× smaller than zksk.",
        threads_note() + "; zksk runs on one core (its group operations are single petlib calls).",
        DALEK_NOTE,
    ]
    return table


# ------------------------------------------------------------------ small ranges


def _small_range_table(params: PedersenParams, quick: bool) -> Table:
    g = params.group
    timed = _timer(quick)
    table = Table(
        f"Small ranges on {g.name}: CDS OR proof vs Bulletproof for [0, R]",
        ["values", "OR prove ms", "OR verify ms", "OR bytes", "BP prove ms", "BP verify ms", "BP bytes", "auto"],
    )
    sizes = (2, 8, 14, 17) if quick else (2, 3, 4, 6, 8, 10, 12, 14, 15, 16, 17, 20, 24, 32)
    for count in sizes:
        hi = count - 1
        v = hi // 2
        r = g.random_scalar()
        com = params.commit(v, r)
        orp = prove_small_range(params, com, 0, hi, v, r, context=b"bench")
        bpp = prove_interval(params, com, 0, hi, v, r, context=b"bench")
        table.add(
            count,
            timed(lambda c=com, v=v, r=r, hi=hi: prove_small_range(params, c, 0, hi, v, r, context=b"bench")),
            timed(lambda p=orp, c=com, hi=hi: verify_small_range(params, c, 0, hi, p, context=b"bench")),
            len(orp.to_bytes()),
            timed(lambda c=com, v=v, r=r, hi=hi: prove_interval(params, c, 0, hi, v, r, context=b"bench")),
            timed(lambda p=bpp, c=com, hi=hi: verify_interval(params, c, 0, hi, p, context=b"bench")),
            len(bpp.to_bytes()),
            "OR" if count <= OR_MAX_VALUES else "BP",
        )
    table.notes += [
        "OR: 1-out-of-(R+1) Schnorr disjunction over D_i = C − i·G = r·H; 2(R+1) scalars; "
        "verify = R+1 two-point MSMs.  BP: interval proof (n = 8, m = 2; m = 1 when R+1 = 256).",
        f"auto: prove_in_range uses the OR proof up to {OR_MAX_VALUES} values "
        "(where its verification stops being faster); the OR proof is smaller only up to 8 values.",
    ]
    return table


def tables(quick: bool = False) -> list[Table]:
    params = PedersenParams.default(get_group("P256"))
    return [
        *_bulletproof_tables(params, quick),
        _zksk_table(params, quick),
        _small_range_table(params, quick),
    ]


if __name__ == "__main__":  # pragma: no cover
    import sys

    for t in tables(quick="--quick" in sys.argv):
        print(t.to_markdown())
