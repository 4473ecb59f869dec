"""The electionguard 1.4.0 peer of ``bench_elections`` — runs INSIDE ``benchmarks/.venv-electionguard``.

Not part of zkmed (imports only electionguard): ``bench_elections`` starts it as a subprocess and
reads one JSON line.  Same manifest as ours: 3 contests, 1-of-5, 3-of-10, yes/no (1-of-2);
ElectionGuard 1.4 adds its placeholder selections (L per contest).  Measures encrypting a ballot
(proofs included, ``should_verify_proofs=False``) and verifying it (``is_valid_encryption``:
every selection's disjunctive Chaum–Pedersen proof and every contest's constant proof).

    python benchmarks/eg_peer.py [ROUNDS]
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import time
from datetime import datetime

from electionguard.ballot import PlaintextBallot, PlaintextBallotContest, PlaintextBallotSelection
from electionguard.election import make_ciphertext_election_context
from electionguard.elgamal import elgamal_keypair_from_secret
from electionguard.encrypt import encrypt_ballot
from electionguard.group import TWO_MOD_Q, int_to_q
from electionguard.manifest import (
    BallotStyle,
    Candidate,
    CandidateContestDescription,
    ElectionType,
    GeopoliticalUnit,
    InternalManifest,
    Manifest,
    ReportingUnitType,
    SelectionDescription,
    SpecVersion,
    VoteVariationType,
)

CONTESTS = [("c1", 5, 1), ("c2", 10, 3), ("yesno", 2, 1)]


def manifest() -> Manifest:
    contests, candidates = [], []
    for seq, (cid, options, limit) in enumerate(CONTESTS):
        selections = []
        for j in range(options):
            candidates.append(Candidate(f"{cid}-cand-{j}"))
            selections.append(SelectionDescription(f"{cid}-sel-{j}", j, f"{cid}-cand-{j}"))
        variation = VoteVariationType.one_of_m if limit == 1 else VoteVariationType.n_of_m
        contests.append(CandidateContestDescription(cid, seq, "gp", variation, limit, limit, cid, selections))
    style = BallotStyle("style")
    style.geopolitical_unit_ids = ["gp"]
    return Manifest(
        spec_version=SpecVersion.EG0_95, election_scope_id="bench", type=ElectionType.unknown,
        start_date=datetime.now(), end_date=datetime.now(),
        geopolitical_units=[GeopoliticalUnit("gp", "gp", ReportingUnitType.unknown)],
        parties=[], candidates=candidates, contests=contests, ballot_styles=[style],
    )  # fmt: skip


def ballot(i: int) -> PlaintextBallot:
    chosen = {"c1": [0], "c2": [1, 4, 7], "yesno": [1]}
    contests = [
        PlaintextBallotContest(cid, [PlaintextBallotSelection(f"{cid}-sel-{j}", 1, False) for j in chosen[cid]])
        for cid, _, _ in CONTESTS
    ]
    return PlaintextBallot(f"ballot-{i}", "style", contests)


def main() -> None:
    logging.disable(logging.CRITICAL)  # electionguard logs every hashed-ElGamal pad at INFO
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    keys = elgamal_keypair_from_secret(int_to_q(123456789))
    m = manifest()
    if not m.is_valid():
        raise SystemExit("electionguard: invalid manifest")
    internal = InternalManifest(m)
    context = make_ciphertext_election_context(1, 1, keys.public_key, TWO_MOD_Q, m.crypto_hash())
    enc, ver = [], []
    for i in range(rounds):
        t0 = time.perf_counter()
        ct = encrypt_ballot(ballot(i), internal, context, int_to_q(1), should_verify_proofs=False)
        enc.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ok = ct.is_valid_encryption(context.manifest_hash, keys.public_key, context.crypto_extended_base_hash)
        ver.append(time.perf_counter() - t0)
        if not ok:
            raise SystemExit("electionguard: the ballot did not verify")
    print(json.dumps({
        "encrypt_ms": statistics.median(enc) * 1e3, "verify_ms": statistics.median(ver) * 1e3, "rounds": rounds,
        "selections": sum(len(c.ballot_selections) for c in ct.contests),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
