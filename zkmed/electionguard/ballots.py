"""Per-file verification work: encrypted ballots (Verifications 5, 6, 7.A-B) and decrypted challenged ballots
(Verifications 12, 13, 14), run in the calling process or in worker processes that receive file **bytes**.

Each batch returns an :class:`Outcome`: the failures found (step, file, object, reason), counts and times per step,
the cast ballots' partial products per option (for Verification 8) and what the cross-file checks need (ballot ids,
confirmation codes, the challenged ballots' ciphertexts).  A file that does not parse raises
:class:`~zkmed.errors.MalformedInput` (the whole run stops: the record cannot be read).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from zkmed.electionguard import hashing
from zkmed.electionguard.arith import Arith
from zkmed.electionguard.record import Ballot, ManifestContest, Tally, parse_ballot, parse_decrypted
from zkmed.electionguard.report import Failure

__all__ = ["Chains", "Context", "Outcome", "check_ballot", "check_decrypted", "run_batch"]

#: a challenged ballot's Yao chains from Verification 5, kept for its decrypted file in the same work unit
#: (Verification 12 reuses them): (ballot id, contest id, selection id) -> ((α, β), (chain of α, chain of β))
Chains = dict[tuple[str, str, str], tuple[tuple[Any, Any], tuple[list[Any], list[Any]]]]


@dataclass(frozen=True)
class Context:
    """What every per-file check needs (small and picklable): joint key, H_E, the manifest's contests."""

    joint_key: int
    h_e: bytes
    contests: dict[str, ManifestContest]
    fast: bool = True
    #: the steps to run (None: all); tests use a subset to skip the expensive proofs they do not need
    steps: frozenset[str] | None = None

    def wants(self, step: str) -> bool:
        return self.steps is None or step in self.steps


@dataclass
class BallotSummary:
    file: str
    ballot_id: str
    state: str
    confirmation_code: bytes
    contest_ids: tuple[str, ...]


@dataclass
class Outcome:
    failures: list[Failure] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    ballots: list[BallotSummary] = field(default_factory=list)
    #: (contest id, selection id) -> [Π α, Π β] over this batch's cast ballots
    aggregate: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    #: challenged ballot id -> contest id -> ({selection id: (α, β)}, (C0, C1, C2) | None)
    challenged: dict[str, dict[str, tuple[dict[str, tuple[Any, Any]], Any]]] = field(default_factory=dict)
    #: decrypted challenged ballots: (file, ballot id, contest id -> ({selection id: (α, β)}, (C0, C1, C2)))
    decrypted: list[tuple[str, str, dict[str, tuple[dict[str, tuple[Any, Any]], Any]]]] = field(default_factory=list)

    def fail(self, step: str, file: str, obj: str, reason: str) -> None:
        self.failures.append(Failure(step, file, obj, reason))

    def merge(self, other: Outcome, p: int) -> None:
        self.failures += other.failures
        for k, v in other.checked.items():
            self.checked[k] += v
        for k, s in other.seconds.items():
            self.seconds[k] += s
        self.ballots += other.ballots
        for key, (a, b) in other.aggregate.items():
            cur = self.aggregate.get(key)
            self.aggregate[key] = [a, b] if cur is None else [cur[0] * a % p, cur[1] * b % p]
        for bid, contests in other.challenged.items():
            self.challenged.setdefault(bid, contests)
        self.decrypted += other.decrypted


def _range_proof(
    ctx: Context,
    arith: Arith,
    k_bytes: bytes,
    alpha: Any,
    beta: Any,
    proofs: list[tuple[int, int]],
    chains: tuple[list[Any], list[Any]] | None = None,
) -> str | None:
    """Verifications 5.1-5.3 / 6.3-6.5 and 5.D / 6.D for one ``R``- (or ``L``-) range proof; the reason or None.

    ``chains``: Yao's chains of ``α`` and ``β`` (:meth:`Arith.chain`) when the caller has them (fast mode);
    without them the exponentiations are :meth:`Arith.pow_many` (which builds the chains, or, in the baseline,
    runs one ``powmod`` each).
    """
    q = arith.q
    p = arith.p
    cs = [c for c, _ in proofs]
    if chains is None:
        a_pows, b_pows = arith.pow_many(alpha, cs), arith.pow_many(beta, cs)
    else:
        a_pows, b_pows = arith.pow_chain(chains[0], cs), arith.pow_chain(chains[1], cs)
    commitments: list[int] = []
    for j, ((c, v), ac, bc) in enumerate(zip(proofs, a_pows, b_pows, strict=True)):
        commitments.append(arith.g_pow(v) * ac % p)  # a_j = g^v_j · α^c_j
        commitments.append(arith.k_pow((v - j * c) % q) * bc % p)  # b_j = K^w_j · β^c_j
    expected = int.from_bytes(hashing.ballot_challenge(ctx.h_e, k_bytes, alpha, beta, commitments), "big")
    if expected != sum(cs) % q:
        return "challenge does not match H(H_E; 0x21, K, α, β, a_0, b_0, …) = Σ c_j mod q"
    return None


def check_ballot(ballot: Ballot, ctx: Context, arith: Arith, out: Outcome, keep: Chains | None = None) -> None:
    """Verifications 5, 6, 7.A, 7.B for one encrypted ballot (and its consistency with the manifest); a challenged
    ballot's selection chains go into ``keep`` when given."""
    p = arith.p
    k_bytes = hashing.element(ctx.joint_key)
    f, bid = ballot.file, ballot.ballot_id
    cast = ballot.state == "CAST"
    if ballot.election_id != ctx.h_e:
        out.fail("V4", f, f"ballot {bid}", "election_id is not the extended base hash H_E")
    seen: set[str] = set()
    for contest in ballot.contests:
        where = f"ballot {bid} contest {contest.contest_id}"
        spec = ctx.contests[contest.contest_id]
        if contest.contest_id in seen:
            out.fail("V7", f, where, "contest appears twice on the ballot")
        seen.add(contest.contest_id)
        ids = [(s.selection_id, s.seq) for s in contest.selections]
        if contest.seq != spec.seq or sorted(ids, key=lambda t: t[1]) != sorted(spec.selections, key=lambda t: t[1]):
            out.fail("V6", f, where, "contest index or selections differ from the manifest")
        t0 = t1 = t2 = time.perf_counter()
        # Verifications 5 and 6 say "for each cast ballot"; challenged ballots publish the same proofs, and a bad one
        # there means a faulty encryption device, so they are checked too (besides 12 and 13 on their contents)
        if ctx.wants("V5") or ctx.wants("V6"):
            # fast mode keeps each selection's chains: the contest's (ᾱ, β̄) chains are their products (V6)
            a_chains: list[list[Any]] = []
            b_chains: list[list[Any]] = []
            for sel in contest.selections:
                chains = None
                if ctx.fast:
                    chains = arith.chain(sel.ciphertext[0]), arith.chain(sel.ciphertext[1])
                    a_chains.append(chains[0])
                    b_chains.append(chains[1])
                    if keep is not None and not cast:
                        keep[(bid, contest.contest_id, sel.selection_id)] = (sel.ciphertext, chains)
                reason = _range_proof(ctx, arith, k_bytes, *sel.ciphertext, sel.proofs, chains)
                if reason:
                    out.fail("V5", f, f"{where} selection {sel.selection_id}", reason)
            t1 = time.perf_counter()
            alpha_bar = beta_bar = 1
            for sel in contest.selections:
                alpha_bar = alpha_bar * sel.ciphertext[0] % p
                beta_bar = beta_bar * sel.ciphertext[1] % p
            bar_chains = None
            if a_chains:
                bar_chains = arith.chain_product(a_chains), arith.chain_product(b_chains)
            reason = _range_proof(ctx, arith, k_bytes, alpha_bar, beta_bar, contest.proofs, bar_chains)
            if reason:
                out.fail("V6", f, where, "selection-limit proof: " + reason)
            t2 = time.perf_counter()
            out.checked["V5"] += len(contest.selections)
            out.checked["V6"] += 1
        chi = hashing.contest_hash(ctx.h_e, contest.seq, k_bytes, [s.ciphertext for s in contest.selections])
        if chi != contest.contest_hash:
            out.fail("V7", f, where, "contest hash χ does not match H(H_E; 0x23, l, K, α_1, β_1, …) (7.A)")
        out.seconds["V5"] += t1 - t0
        out.seconds["V6"] += t2 - t1
        out.seconds["V7"] += time.perf_counter() - t2
    code = hashing.confirmation_code(ctx.h_e, [c.contest_hash for c in ballot.contests], ballot.b_aux)
    if code != ballot.confirmation_code:
        out.fail("V7", f, f"ballot {bid}", "confirmation code does not match H(H_E; 0x24, χ_1, …, χ_mB, B_aux) (7.B)")
    out.checked["V7"] += 1
    out.ballots.append(BallotSummary(f, bid, ballot.state, ballot.confirmation_code, tuple(seen)))
    if cast:
        for contest in ballot.contests:
            for sel in contest.selections:
                key = (contest.contest_id, sel.selection_id)
                cur = out.aggregate.get(key)
                a, b = sel.ciphertext
                out.aggregate[key] = [a, b] if cur is None else [cur[0] * a % p, cur[1] * b % p]
    else:
        out.challenged[bid] = {
            c.contest_id: ({s.selection_id: s.ciphertext for s in c.selections}, c.contest_data)
            for c in ballot.contests
        }


def check_decryption(
    ctx: Context,
    arith: Arith,
    k_bytes: bytes,
    a_: Any,
    b_: Any,
    t_value: Any,
    proof: tuple[int, int],
    known: tuple[int, tuple[list[Any], list[Any]]] | None = None,
) -> bool:
    """Verifications 9 / 12: ``M = B·T^-1``, ``a = g^v·K^c``, ``b = A^v·M^c``, ``c = H(H_E; 0x30, K, A, B, a, b, M)``.

    ``known = (σ, (chain of A, chain of B))`` when the caller has checked ``T = K^σ`` and holds Yao's chains of
    ``A`` and ``B`` (a challenged ballot's, from Verification 5): then ``M^c = B^c·T^-c = B^c·K^(-σc)`` and
    ``b = A^v·B^c·K^(-σc mod q)`` — two exponents from existing chains and one from K's table instead of the
    252 squarings of ``A^v·M^c`` — the same value, so the same verdict.
    """
    c, v = proof
    p = arith.p
    m = b_ * arith.inverse(t_value) % p
    a = arith.g_pow(v) * arith.k_pow(c) % p
    if known is None:
        b = arith.pow2(a_, v, m, c)
    else:
        sigma, (a_chain, b_chain) = known
        b = arith.pow_chain(a_chain, [v])[0] * arith.pow_chain(b_chain, [c])[0] % p
        b = b * arith.k_pow(-sigma * c % arith.q) % p
    return int.from_bytes(hashing.decryption_challenge(ctx.h_e, k_bytes, a_, b_, a, b, m), "big") == c


def check_decrypted(dballot: Tally, ctx: Context, arith: Arith, out: Outcome, chains: Chains | None = None) -> None:
    """Verifications 12, 13 and 14 for one decrypted challenged ballot (the cross-check with its encrypted ballot is
    done by the caller, from ``out.decrypted``); ``chains``: what :func:`check_ballot` kept for its encrypted ballot,
    used only for a selection whose ciphertext is the same and whose ``T = K^σ``."""
    file = dballot.file
    k_bytes = hashing.element(ctx.joint_key)
    p, bid = arith.p, dballot.tally_id
    if dballot.election_id is not None and dballot.election_id != ctx.h_e:
        out.fail("V4", file, f"ballot {bid}", "election_id is not the extended base hash H_E")
    summary: dict[str, tuple[dict[str, tuple[Any, Any]], Any]] = {}
    for contest in dballot.contests:
        where = f"challenged ballot {bid} contest {contest.contest_id}"
        spec = ctx.contests.get(contest.contest_id)
        if spec is None:
            out.fail("V13", file, where, "contest label is not a contest of the manifest (13.D)")
        else:
            labels = {s.selection_id for s in contest.selections}
            manifest_labels = {s for s, _ in spec.selections}
            if labels - manifest_labels:
                out.fail("V13", file, where, f"options not in the manifest: {sorted(labels - manifest_labels)} (13.E)")
            if manifest_labels - labels:
                out.fail("V13", file, where, f"manifest options missing: {sorted(manifest_labels - labels)} (13.F)")
        t1 = time.perf_counter()
        is_k_sigma = [arith.k_pow(sel.value) == sel.t_value for sel in contest.selections]  # T = K^σ (13.A; V12)
        for sel, t_ok in zip(contest.selections, is_k_sigma, strict=True) if ctx.wants("V12") else ():
            swhere = f"{where} selection {sel.selection_id}"
            kept = chains.get((bid, contest.contest_id, sel.selection_id)) if chains else None
            known = None
            if kept is not None and kept[0] == sel.ciphertext and t_ok:
                known = (sel.value, kept[1])
            if not check_decryption(ctx, arith, k_bytes, *sel.ciphertext, sel.t_value, sel.proof, known):
                out.fail("V12", file, swhere, "decryption proof: c ≠ H(H_E; 0x30, K, α, β, a, b, M) (12.B)")
            out.checked["V12"] += 1
        t2 = time.perf_counter()
        for sel, t_ok in zip(contest.selections, is_k_sigma, strict=True):
            swhere = f"{where} selection {sel.selection_id}"
            if not t_ok:
                out.fail("V13", file, swhere, f"S ≠ K^σ for the published σ = {sel.value} (13.A)")
            if spec is not None and sel.value > spec.option_limit:
                out.fail("V13", file, swhere, f"σ = {sel.value} exceeds the option limit {spec.option_limit} (13.B)")
        total = sum(s.value for s in contest.selections)
        if spec is not None and total > spec.votes_allowed:
            out.fail("V13", file, where, f"selections sum to {total} > limit L = {spec.votes_allowed} (13.C)")
        out.checked["V13"] += 1
        t3 = time.perf_counter()
        if not ctx.wants("V14"):
            pass
        elif contest.contest_data is not None:
            (c0, c1, c2), (c, v), beta = contest.contest_data
            a = arith.g_pow(v) * arith.k_pow(c) % p
            b = arith.pow2(c0, v, beta, c)
            expected = hashing.contest_data_challenge(ctx.h_e, k_bytes, c0, c1, c2, a, b, beta)
            if int.from_bytes(expected, "big") != c:
                out.fail("V14", file, where, "contest-data proof: c ≠ H(H_E; 0x31, K, C0, C1, C2, a, b, β) (14.B)")
            out.checked["V14"] += 1
        else:
            out.fail("V14", file, where, "no decrypted contest data")
        out.seconds["V12"] += t2 - t1
        out.seconds["V13"] += t3 - t2
        out.seconds["V14"] += time.perf_counter() - t3
        summary[contest.contest_id] = (
            {s.selection_id: s.ciphertext for s in contest.selections},
            contest.contest_data[0] if contest.contest_data else None,
        )
    out.decrypted.append((file, bid, summary))


# --------------------------------------------------------------------------- worker processes

_WORKER: tuple[Context, Arith] | None = None


def init_worker(ctx: Context, arith: Arith | None = None) -> None:
    """Pool initializer: the worker's :class:`Arith` (tables for g and K): the parent's, inherited by ``fork``
    (passed through ``initargs`` it is the same object in the child), else built here."""
    global _WORKER
    _WORKER = (ctx, arith if arith is not None else Arith(ctx.joint_key, fast=ctx.fast))


def run_batch(items: list[tuple[str, str, bytes]], state: tuple[Context, Arith] | None = None) -> Outcome:
    """Check a work unit of files given as ``(kind, name, bytes)``, ``kind`` being ``"ballots"`` (an encrypted
    ballot) or ``"challenged"`` (a decrypted challenged ballot).  The encrypted ballots are checked first; the
    chains of their challenged selections are kept for the unit's decrypted ballots (Verification 12) and dropped
    with the unit."""
    ctx, arith = state or _WORKER or (None, None)
    if ctx is None or arith is None:
        raise RuntimeError("run_batch: worker not initialised")
    out = Outcome()
    t0 = time.perf_counter()
    pending: list[tuple[Any, str]] = []  # every element of the unit: one subgroup test before any step uses them
    ballots = [
        parse_ballot(data, name, arith, ctx.contests, pending) for kind, name, data in items if kind == "ballots"
    ]
    dballots = [
        parse_decrypted(data, name, arith, challenged=True, pending=pending)
        for kind, name, data in items
        if kind == "challenged"
    ]
    arith.check_subgroup(pending)
    out.seconds["load"] += time.perf_counter() - t0
    chains: Chains | None = {} if dballots and ctx.fast else None
    for ballot in ballots:
        check_ballot(ballot, ctx, arith, out, chains)
    for dballot in dballots:
        check_decrypted(dballot, ctx, arith, out, chains)
    return out
