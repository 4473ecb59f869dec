"""Steps 5–6 over a batch of ballot payloads, and what the verifier keeps of each ballot afterwards.

:func:`check_ballots` parses each payload, checks its credential signature and every proof (one random linear
combination over the batch; one by one only to name the bad ones, or always with ``batch=False``), and returns a
:class:`BallotCheck`: a small :class:`BallotDigest` per ballot (no payload, no live group element) and the sum of
the well-formed ballots' ciphertexts per option.  ``zkmed election verify`` runs it over all ballots at once;
``zkmed verify`` runs it in work units (local processes or Dask) and hands the results to the same verifier
(:func:`zkmed.elections.verifier.verify_board`), which then checks what needs the whole election — credentials on
the list, unique ids, spoils, the revote rule and the tally — from the digests alone.  Memory stays at about one
kilobyte per ballot (its ciphertexts' bytes) however many ballots the ledger holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from zkmed.errors import ZkmedError
from zkmed.hazmat.groups import Element

from .ballot import Ballot, add_ballot_proofs, parse_ballot, verify_ballot_proofs
from .ballot_proofs import ProofBatch
from .context import ElectionContext
from .elgamal import Ciphertext, sum_ciphertexts

__all__ = ["BallotCheck", "BallotDigest", "check_ballots", "tally_of"]


@dataclass(frozen=True, slots=True)
class BallotDigest:
    """One ballot as the verifier keeps it once its batch was checked."""

    index: int
    ballot_id: str = ""
    credential: bytes = b""
    #: every selection's ciphertext (``Ciphertext.encode``), contests and options in manifest order
    ciphertexts: bytes = b""
    #: step 5: why the payload is not a well-formed ballot (then every other field is empty)
    malformed: str | None = None
    #: step 5: the credential signature does not verify
    bad_signature: str | None = None

    def contests(self, ctx: ElectionContext) -> list[tuple[Ciphertext, ...]]:
        """The ciphertexts per contest (decoded: they were validated when the payload was parsed)."""
        g, size = ctx.group, 2 * ctx.group.element_size
        out, at = [], 0
        for contest in ctx.manifest.contests:
            n = len(contest.options)
            out.append(
                tuple(Ciphertext.decode(g, self.ciphertexts[at + i * size : at + (i + 1) * size]) for i in range(n))
            )
            at += n * size
        return out


@dataclass(frozen=True)
class BallotCheck:
    """A batch of ballots checked: digests in entry order, step 6's failures, the sum of the well-formed ones.

    ``sums``: per option (contests and options in manifest order) the pair of element encodings (the identity
    allowed) of the sum of the ciphertexts of every digest without ``malformed`` / ``bad_signature``.
    Bytes and strings only, so that it crosses process boundaries as it is.
    """

    digests: tuple[BallotDigest, ...]
    proofs: dict[int, str] = field(default_factory=dict)
    sums: tuple[tuple[bytes, bytes], ...] = ()


def _digest(index: int, ballot: Ballot) -> BallotDigest:
    try:
        ballot.check_signature()
        bad = None
    except ZkmedError as exc:
        bad = exc.message
    cts = b"".join(raw for contest in ballot.contests for raw in contest.ciphertext_bytes)
    return BallotDigest(index, ballot.ballot_id, ballot.credential, cts, None, bad)


def check_ballots(ctx: ElectionContext, items: Sequence[tuple[int, bytes]], *, batch: bool = True) -> BallotCheck:
    """Steps 5–6 for ``(entry index, payload)`` pairs (in entry order); see the module docstring."""
    g = ctx.group
    digests: list[BallotDigest] = []
    ballots: list[tuple[int, Ballot]] = []
    columns: list[list[Ciphertext]] = [[] for c in ctx.manifest.contests for _ in c.options]
    for index, payload in items:
        try:
            ballot = parse_ballot(ctx, payload)
        except ZkmedError as exc:
            digests.append(BallotDigest(index, malformed=exc.message))
            continue
        digest = _digest(index, ballot)
        digests.append(digest)
        ballots.append((index, ballot))
        if digest.bad_signature is None:
            for column, ct in zip(columns, (ct for c in ballot.contests for ct in c.ciphertexts), strict=True):
                column.append(ct)
    sums = tuple(
        (g.encode_element(s.alpha), g.encode_element(s.beta)) for s in (sum_ciphertexts(g, c) for c in columns)
    )
    return BallotCheck(tuple(digests), _proofs(ctx, ballots, batch), sums)


def _proofs(ctx: ElectionContext, ballots: list[tuple[int, Ballot]], batch: bool) -> dict[int, str]:
    """Step 6: the failure reason of each ballot whose proofs do not verify."""
    bad: dict[int, str] = {}
    if batch:
        proofs = ProofBatch(ctx.group)
        for index, ballot in ballots:
            try:
                add_ballot_proofs(ctx, ballot, proofs, f"entry {index}")
            except ZkmedError as exc:
                bad[index] = exc.message
        try:
            if len(proofs):
                proofs.verify()
            return bad
        except ZkmedError:
            pass  # a batch that fails always has a bad proof: name it one by one
    for index, ballot in ballots:
        if index in bad:
            continue
        try:
            verify_ballot_proofs(ctx, ballot)
        except ZkmedError as exc:
            bad[index] = exc.message
    return bad


def tally_of(ctx: ElectionContext, checks: Sequence[BallotCheck], excluded: Sequence[BallotDigest]) -> list[Ciphertext]:
    """The tally (per option, flat) of the well-formed ballots of ``checks`` less the ``excluded`` ones."""
    g = ctx.group
    width = sum(len(c.options) for c in ctx.manifest.contests)
    alphas: list[list[Element]] = [[] for _ in range(width)]
    betas: list[list[Element]] = [[] for _ in range(width)]
    for check in checks:
        for i, (a, b) in enumerate(check.sums):
            alphas[i].append(g.decode_element(a, allow_identity=True))
            betas[i].append(g.decode_element(b, allow_identity=True))
    total = [Ciphertext(g.sum(a), g.sum(b)) for a, b in zip(alphas, betas, strict=True)]
    for digest in excluded:
        flat = [ct for contest in digest.contests(ctx) for ct in contest]
        total = [Ciphertext(g.sub(t.alpha, c.alpha), g.sub(t.beta, c.beta)) for t, c in zip(total, flat, strict=True)]
    return total
