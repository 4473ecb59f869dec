"""Elections (issue #11): encrypt and verify a ballot, batch verification, tally and threshold decryption.

Manifest: 3 contests — 1-of-5, 3-of-10, yes/no (1-of-2) — the same for us and for the peer,
**electionguard 1.4.0**, which runs in its own venv (``benchmarks/.venv-electionguard``, made by
``benchmarks/setup_electionguard.sh``, a ``make bench`` prerequisite; the script applies the
one-line Python 3.11 dataclass ``default_factory`` fix to electionguard's ``tally.py`` and says so)
through ``benchmarks/eg_peer.py`` in a subprocess.  electionguard 1.4 works in the 4096-bit group
only, so its numbers are the peer of both our P-256 and our EG4096 rows.

Cost floor of a ballot's one-by-one verification: the point decodes (2 per ciphertext) and, per
branch of every proof, the two 2-term MSMs that recompute its commitments, each primitive timed
alone on this machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Table, time_us
from zkmed.elections.ballot import add_ballot_proofs, encrypt_ballot, parse_ballot, verify_ballot_proofs
from zkmed.elections.ballot_proofs import ElectionKey, ProofBatch
from zkmed.elections.context import ElectionContext
from zkmed.elections.credentials import VoterCredential
from zkmed.elections.manifest import parse_manifest
from zkmed.elections.tally import compute_tally
from zkmed.hazmat.groups import Group, get_group

ROOT = Path(__file__).resolve().parent
PEER_PYTHON = ROOT / ".venv-electionguard" / "bin" / "python"
MANIFEST = {
    "election_id": "bench",
    "contests": [
        {"id": "c1", "selection_limit": 1, "options": [f"o{i}" for i in range(5)]},
        {"id": "c2", "selection_limit": 3, "options": [f"o{i}" for i in range(10)]},
        {"id": "yesno", "selection_limit": 1, "options": ["yes", "no"]},
    ],
}
CHOICES = {"c1": {"o0": 1}, "c2": {"o1": 1, "o4": 1, "o7": 1}, "yesno": {"no": 1}}


def _context(group: Group) -> tuple[ElectionContext, VoterCredential]:
    """An election context under the joint key of a 3-trustee, quorum-2 ceremony (E1's run_ceremony)."""
    from zkmed.elections.ceremony import run_ceremony
    from zkmed.elections.ceremony_messages import CeremonyParams

    manifest = parse_manifest(json.dumps(MANIFEST))
    _, shares, joint = run_ceremony(CeremonyParams(group.name, 3, 2, b"bench"))
    _TRUSTEES[group.name] = (shares, joint)
    key = ElectionKey.of(group, joint.public_key)
    return ElectionContext(group, manifest, key, b"\x07" * 32, 3, 2), VoterCredential.generate("bench")


_TRUSTEES: dict[str, Any] = {}


def _floor_us(group: Group, ctx: ElectionContext, payload: bytes) -> float:
    """Decodes and 2-term MSMs one ballot's one-by-one verification needs, each timed alone.

    One by one, the proofs' carried commitments are hashed, not decoded (compose recomputes them):
    the floor is the ciphertexts' decodes and, per branch, two 2-term MSMs.
    """
    ballot = parse_ballot(ctx, payload)
    raw = ballot.contests[0].ciphertext_bytes[0]
    elements = 0
    msms = 0
    for contest, parsed in zip(ctx.manifest.contests, ballot.contests, strict=True):
        elements += 2 * len(parsed.ciphertexts)
        for k in [contest.option_limit + 1] * len(parsed.ciphertexts) + [contest.selection_limit + 1]:
            msms += 2 * k
    point = group.decode_element(raw[: group.element_size])
    t_decode = time_us(lambda: group.decode_element(raw[: group.element_size]), min_time=0.1)
    a, b = group.random_scalar(), group.random_scalar()
    t_msm = time_us(lambda: group.msm([a, b], [point, ctx.key.point]), min_time=0.1)
    return elements * t_decode + msms * t_msm


def _peer(quick: bool) -> tuple[dict[str, Any] | None, str]:
    if not PEER_PYTHON.exists():
        return None, "electionguard 1.4.0 peer not installed (run benchmarks/setup_electionguard.sh)"
    try:
        out = subprocess.run(
            [str(PEER_PYTHON), str(ROOT / "eg_peer.py"), "3" if quick else "10"],
            capture_output=True, text=True, timeout=1800, check=True,
        )  # fmt: skip
        return json.loads(
            out.stdout.strip().splitlines()[-1]
        ), "electionguard 1.4.0 (Python 3.11 dataclass fix applied)"
    except (subprocess.SubprocessError, ValueError, IndexError, OSError) as exc:
        return None, f"electionguard 1.4.0 peer failed: {type(exc).__name__}: {str(exc)[:200]}"


def tables(*, quick: bool = False) -> list[Table]:
    peer, peer_note = _peer(quick)
    per_ballot = Table(
        "Elections: one ballot (3 contests: 1-of-5, 3-of-10, yes/no), ms",
        ["group", "encrypt", "verify 1-by-1", "verify floor", "verify/floor", "verify batched (per ballot)",
         "1-by-1 / batched", "EG encrypt", "EG verify", "EG/ours encrypt", "EG/ours verify"],
    )  # fmt: skip
    per_ballot.notes.append(peer_note)
    if peer:
        per_ballot.notes.append(f"electionguard encrypts {peer['selections']} selections (placeholders included)")
    batch_size = {"P256": 100 if quick else 10_000, "EG4096": 4 if quick else 20}
    for name in ("P256", "EG4096"):
        group = get_group(name)
        ctx, cred = _context(group)
        budget = 0.2 if quick else 1.0

        def encrypt_one(c: ElectionContext = ctx, v: VoterCredential = cred) -> None:
            encrypt_ballot(c, v, CHOICES)

        t_enc = time_us(encrypt_one, min_time=budget, repeat=3) / 1e3
        payload = encrypt_ballot(ctx, cred, CHOICES).payload

        def verify_one(c: ElectionContext = ctx, p: bytes = payload) -> None:
            verify_ballot_proofs(c, parse_ballot(c, p))

        t_ver = time_us(verify_one, min_time=budget, repeat=3) / 1e3
        floor = _floor_us(group, ctx, payload) / 1e3
        n = batch_size[name]
        ballots = [parse_ballot(ctx, encrypt_ballot(ctx, cred, CHOICES).payload) for _ in range(n)]
        runs = []
        for _ in range(3 if quick else 1):  # a short batch is measured three times (the best counts)
            t0 = time.perf_counter()
            batch = ProofBatch(group)
            for b in ballots:
                add_ballot_proofs(ctx, b, batch)
            batch.verify()
            runs.append((time.perf_counter() - t0) / n * 1e3)
        t_batch = min(runs)
        eg_enc = peer["encrypt_ms"] if peer else None
        eg_ver = peer["verify_ms"] if peer else None
        per_ballot.add(
            name, t_enc, t_ver, floor, t_ver / floor, t_batch, t_ver / t_batch, eg_enc or "-", eg_ver or "-",
            eg_enc / t_enc if eg_enc else "-", eg_ver / t_ver if eg_ver else "-",
        )  # fmt: skip
        per_ballot.notes.append(f"{name}: batched over {n} ballots (parsing included, one MSM)")
        if name == "P256":
            tally_table = _tally(ctx, ballots, quick)
    per_ballot.notes.append(
        f"MSM threads: {os.environ.get('ZKMED_MSM_THREADS', 'default')}; Python {sys.version.split()[0]}"
    )
    return [per_ballot, tally_table]


def _tally(ctx: ElectionContext, ballots: list[Any], quick: bool) -> Table:
    """Tally the batch's P-256 ballots and decrypt with 2 of the 3 trustees."""
    from zkmed.elections.decryption import combine, partial_decrypt

    table = Table(
        "Elections: tally and threshold decryption (P-256, 2 of 3 trustees), s",
        ["ballots", "tally", "partial decryption (each)", "combine (verify + Lagrange + dlog)"],
    )
    group = ctx.group
    shares, joint = _TRUSTEES[group.name]
    rows = [(b.ballot_id, [c.ciphertexts for c in b.contests]) for b in ballots]
    t0 = time.perf_counter()
    tally = compute_tally(ctx, rows)
    t_tally = time.perf_counter() - t0
    cts = tally.flat()
    t0 = time.perf_counter()
    partials = [partial_decrypt(group, s, cts, context=b"bench") for s in shares[:2]]
    t_partial = (time.perf_counter() - t0) / 2
    t0 = time.perf_counter()
    out = combine(group, joint, cts, partials, context=b"bench", max_value=len(rows))
    t_combine = time.perf_counter() - t0
    if out.values[0] != len(rows):
        raise RuntimeError("benchmark tally decrypted wrongly")
    table.add(len(rows), t_tally, t_partial, t_combine)
    return table
