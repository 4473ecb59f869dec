"""Group backends: the cost floor every protocol benchmark is compared with.

Per backend (``zkmed.hazmat.groups.BACKENDS``): variable-base ``mul``, fixed-base
``mul_gen``, ``add``, ``encode_element``, ``decode_element`` (with its full
validation: on-curve / subgroup check) and ``hash_to_element``; the secret-scalar
paths (``mul_secret``, ``mul_gen_secret``, an explicit ``fixed_base``'s
``mul_secret``, each also at k = 0, and the fixed base's build time); then ``msm``
at 2, 16, 64 and 128 terms, per call and per term, next to ``n`` separate
``mul`` calls.  ``--quick`` times for less long and skips the 64- and
128-term msm of the slow backends (py_ecc, EG4096).  The msm rows are
one-core figures (one OpenSSL call); a last table times the large MSMs the
protocols need on one core and split across threads (:mod:`zkmed.hazmat.groups.parallel`).
"""

from __future__ import annotations

import random

from benchmarks.harness import Table, single_core, threads_note, time_us
from zkmed.hazmat.groups import available_groups, get_group, parallel
from zkmed.hazmat.groups.base import Group

MSM_SIZES = (2, 16, 64, 128)
SLOW_BACKENDS = ("secp256k1-pyecc", "EG4096")
QUICK_SLOW_MSM_SIZES = (2, 16)


def _timer(quick: bool):
    if quick:
        return lambda fn: time_us(fn, min_time=0.05, repeat=3)
    return lambda fn: time_us(fn, min_time=0.3, repeat=5)


def _fixtures(group: Group, n: int, seed: str) -> tuple[list[int], list]:
    rng = random.Random(f"{group.name}-{seed}")
    scalars = [rng.randrange(1, group.order) for _ in range(n)]
    elements = [group.mul_gen(rng.randrange(1, group.order)) for _ in range(n)]
    return scalars, elements


def _ops_table(groups: list[Group], timed) -> Table:
    table = Table(
        "Group operations (µs per call)",
        ["group", "backend", "mul", "mul_gen", "add", "encode", "decode", "hash_to_element"],
    )
    ratios: list[str] = []
    for group in groups:
        (k, _), (a, b) = _fixtures(group, 2, "ops")
        enc = group.encode_element(a)
        group.mul_gen(1)  # build lazy fixed-base tables outside the timings
        var_base = timed(lambda g=group, a=a, k=k: g.mul(a, k))
        fixed_base = timed(lambda g=group, k=k: g.mul_gen(k))
        ratios.append(f"{group.name} {var_base / fixed_base:.1f}x")
        table.add(
            group.name,
            group.backend,
            var_base,
            fixed_base,
            timed(lambda g=group, a=a, b=b: g.add(a, b)),
            timed(lambda g=group, a=a: g.encode_element(a)),
            timed(lambda g=group, enc=enc: g.decode_element(enc)),
            timed(lambda g=group: g.hash_to_element(b"zkmed bench message", b"zkmed-bench-v1")),
        )
    table.notes += [
        "mul: variable-base scalar multiplication (EG4096: one gmpy2.powmod, 256-bit exponent); "
        "mul_gen: fixed-base with the backend's precomputed generator table (OpenSSL's for petlib).",
        "decode includes full validation: SEC1 decompression with the on-curve check, or for EG4096 "
        "the range check and the subgroup test x^q = 1 (one more powmod).",
        "hash_to_element: RFC 9380 hash_to_curve (curves); expand_message_xmd + cofactor "
        "exponentiation by the 3840-bit r = (p-1)/q (EG4096).",
        "mul / mul_gen (fixed-base speed-up): " + ", ".join(ratios),
    ]
    return table


def _secret_table(groups: list[Group], timed) -> Table:
    """The secret-scalar paths (docs/constant-time.md), at a random k and at k = 0, and explicit fixed bases."""
    table = Table(
        "Secret-scalar operations (µs per call)",
        [
            "group",
            "mul_secret",
            "mul_secret k=0",
            "mul_gen_secret",
            "mul_gen_secret k=0",
            "fixed.mul_secret",
            "fixed.mul_secret k=0",
            "fixed kind",
            "fixed build (ms)",
        ],
    )
    for group in groups:
        (k, _), (a, _b) = _fixtures(group, 2, "secret")
        base = group.hash_to_element(b"zkmed bench fixed base", b"zkmed-bench-v1")
        build = timed(lambda g=group, p=base: g.fixed_base(p)) / 1000
        fixed = group.fixed_base(base)
        group.mul_gen_secret(1)  # lazy generator tables outside the timings
        table.add(
            group.name,
            timed(lambda g=group, a=a, k=k: g.mul_secret(a, k)),
            timed(lambda g=group, a=a: g.mul_secret(a, 0)),
            timed(lambda g=group, k=k: g.mul_gen_secret(k)),
            timed(lambda g=group: g.mul_gen_secret(0)),
            timed(lambda f=fixed, k=k: f.mul_secret(k)),
            timed(lambda f=fixed: f.mul_secret(0)),
            fixed.kind,
            build,
        )
    table.notes += [
        "mul_secret / mul_gen_secret: petlib = OpenSSL single-scalar EC_POINT_mul (ecp_nistz256 on P-256, the "
        "Montgomery ladder on secp256k1); EG4096 = powmod_sec / the generator table without skips; py_ecc = mul.",
        "fixed: Group.fixed_base(P) for a hash-derived P; on P-256 its own OpenSSL table (openssl-table), built "
        "once per base (the build column).",
        "k = 0 columns: same path, no early exit (compare with the random-k column).",
    ]
    return table


def _msm_table(groups: list[Group], timed, quick: bool) -> Table:
    table = Table(
        "Multi-scalar multiplication msm (µs)",
        ["group", "terms", "msm", "msm per term", "n x mul per term", "speed-up"],
    )
    skipped = []
    for group in groups:
        sizes = QUICK_SLOW_MSM_SIZES if quick and group.name in SLOW_BACKENDS else MSM_SIZES
        skipped += [f"{group.name}@{n}" for n in MSM_SIZES if n not in sizes]
        for n in sizes:
            scalars, elements = _fixtures(group, n, f"msm{n}")

            def naive(g=group, ks=scalars, es=elements):
                return g.sum([g.mul(e, k) for k, e in zip(ks, es, strict=True)])

            with single_core():  # the per-term cost of one OpenSSL call; splitting is its own table
                fast = timed(lambda g=group, ks=scalars, es=elements: g.msm(ks, es))
            slow = timed(naive)
            table.add(group.name, n, fast, fast / n, slow / n, round(slow / fast, 2))
    table.notes.append(
        "petlib: one OpenSSL EC_POINTs_mul (interleaved wNAF); secp256k1-pyecc: Straus over width-5 wNAF; "
        "EG4096: Straus (4-bit windows) below 100 terms, Pippenger buckets (5-bit) from 100."
    )
    if skipped:
        table.notes.append("skipped with --quick: " + ", ".join(skipped))
    return table


PARALLEL_SIZES = (148, 540, 2001, 2090)  # Bulletproof 64x1 and 64x4 verifiers, 1,000 Schnorr batch, 64x16


def _parallel_table(timed, quick: bool) -> Table:
    table = Table(
        "Large MSMs across cores (ms): one EC_POINTs_mul vs chunks on parallel threads",
        ["group", "terms", "1 core", f"{parallel.get_threads()} threads", "speed-up"],
    )
    for name in ("P256",) if quick else ("P256", "secp256k1"):
        group = get_group(name)
        for n in PARALLEL_SIZES[:2] if quick else PARALLEL_SIZES:
            scalars, elements = _fixtures(group, n, f"par{n}")
            with single_core():
                one = timed(lambda g=group, ks=scalars, es=elements: g.msm(ks, es)) / 1000
            many = timed(lambda g=group, ks=scalars, es=elements: g.msm(ks, es)) / 1000
            table.add(name, n, one, many, round(one / many, 2))
    table.notes += [
        threads_note() + ".",
        "each chunk is one OpenSSL call, during which cffi releases the GIL; the partial sums are added at the end.",
    ]
    return table


def tables(quick: bool) -> list[Table]:
    groups = [get_group(name) for name in available_groups()]
    timed = _timer(quick)
    return [
        _ops_table(groups, timed),
        _secret_table(groups, timed),
        _msm_table(groups, timed, quick),
        _parallel_table(timed, quick),
    ]
