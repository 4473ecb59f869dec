"""Running an election on a ledger: create, vote (or challenge), tally, trustee decryption, result.

Each function reads what it needs from the ledger, checks it, and appends its payload(s).
The command line (``cli/election.py``) is a thin layer over these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkmed import formats
from zkmed.errors import LedgerError, MalformedInput, VerificationError
from zkmed.ledger import Ledger

from .ballot import encrypt_ballot, make_spoil, parse_ballot, parse_spoil
from .board import Board, Parameters, base_payload, collect_board, compute_base_hash, entry_type, load_context
from .confirmation import confirmation_code
from .context import ElectionContext, ceremony_context
from .credentials import CredentialList, VoterCredential, join_parts
from .manifest import Manifest
from .submission import check_ballot_submission
from .tally import Result, Tally, compute_tally, counted_ballots

__all__ = [
    "Setup", "VoteOutcome", "cast_vote", "check_ballot_submission", "create_election", "election_setup", "post_tally", "publish_result",
    "result", "trustee_decrypt",
]  # fmt: skip


@dataclass(frozen=True)
class Created:
    election_id: str
    base_hash: bytes
    entries: int
    trustee_files: tuple[Path, ...]
    voter_files: tuple[Path, ...]


def create_election(
    ledger: Ledger,
    manifest: Manifest,
    *,
    trustees: int,
    quorum: int,
    voters: int,
    keys: Path,
    group: str = "P256",
    rng: Callable[[], int] | None = None,
) -> Created:
    """Run the whole key ceremony in one process, register ``voters`` credentials, post everything.

    Secrets go under ``keys`` (mode 0600): ``trustees/trustee-i.key`` and ``voters/voter-i.key``.
    """
    if collect_board(ledger).parameters:
        raise LedgerError("this ledger already holds an election")
    if not isinstance(voters, int) or isinstance(voters, bool) or not 1 <= voters <= 100_000:
        raise MalformedInput("--voters must be within 1..100000")
    params = Parameters(group, trustees, quorum, manifest)
    Parameters.from_payload(params.to_payload())  # the same checks a reader runs (n, k, group)
    keys = Path(keys)
    planned = [keys / "trustees" / f"trustee-{i}.key" for i in range(1, trustees + 1)]
    planned += [keys / "voters" / f"voter-{i}.key" for i in range(1, voters + 1)]
    existing = next((p for p in planned if p.exists()), None)
    if existing is not None:
        raise LedgerError(f"refusing to overwrite the secret key file {existing} (choose another --keys directory)")
    credentials = [VoterCredential.generate(manifest.election_id) for _ in range(voters)]
    setup = election_setup(
        manifest,
        trustees=trustees,
        quorum=quorum,
        credentials=[c.public_key for c in credentials],
        group=group,
        rng=rng,
    )
    try:
        for sub in ("trustees", "voters"):
            (keys / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise LedgerError(f"cannot create the key directory {keys}: {exc.strerror or exc}") from exc
    trustee_files, voter_files = [], []
    for share in setup.shares:
        path = keys / "trustees" / f"trustee-{share.index}.key"
        share.save(path)
        trustee_files.append(path)
    for i, cred in enumerate(credentials, start=1):
        path = keys / "voters" / f"voter-{i}.key"
        cred.save(path)
        voter_files.append(path)
    ledger.append_batch(setup.items, seal=True)
    digest = setup.base_hash
    return Created(manifest.election_id, digest, len(setup.items), tuple(trustee_files), tuple(voter_files))


@dataclass(frozen=True)
class Setup:
    """An election's setup entries, ready to append, and the trustees' secret shares (never posted)."""

    items: list[tuple[str, bytes]]
    shares: list[Any]
    joint: Any
    base_hash: bytes

    def __repr__(self) -> str:
        return f"Setup({len(self.items)} entries, base hash {self.base_hash.hex()[:16]}…, shares=<redacted>)"


def election_setup(
    manifest: Manifest,
    *,
    trustees: int,
    quorum: int,
    credentials: Sequence[bytes],
    group: str = "P256",
    rng: Callable[[], int] | None = None,
) -> Setup:
    """The whole key ceremony in one process and the setup entries of an election whose registrar lists the
    credential public keys ``credentials``: parameters, ceremony messages, joint key, base hash, credential list.

    Nothing is written: :func:`create_election` saves the secrets and appends the items; a caller holding its
    voters' credentials in memory (the scale benchmark) appends them itself.
    """
    from .board import Posted
    from .ceremony import run_ceremony
    from .ceremony_messages import CeremonyParams

    params = Parameters(group, trustees, quorum, manifest)
    Parameters.from_payload(params.to_payload())  # the same checks a reader runs (n, k, group)
    creds = CredentialList(manifest.election_id, tuple(credentials))
    creds_payloads = creds.to_payloads()
    join_parts([CredentialList.from_payload(p) for p in creds_payloads])  # 1..MAX_VOTERS distinct 32-byte keys
    cparams = CeremonyParams(group, trustees, quorum, ceremony_context(group, manifest, trustees, quorum))
    messages, shares, joint = run_ceremony(cparams, rng)
    board = Board()
    board.ceremony = [Posted(0, entry_type(m.FORMAT), m.to_payload()) for m in messages]
    joint_payload = joint.to_payload()
    digest = compute_base_hash(board, params, joint_payload)
    items = [(entry_type(formats.ELECTION_PARAMETERS), params.to_payload())]
    items += [(entry_type(m.FORMAT), m.to_payload()) for m in messages]
    items.append((entry_type(formats.ELECTION_JOINT_KEY), joint_payload))
    items.append((entry_type(formats.ELECTION_BASE), base_payload(manifest.election_id, digest)))
    items += [(entry_type(formats.ELECTION_CREDENTIALS), payload) for payload in creds_payloads]
    return Setup(items, list(shares), joint, digest)


def _context(ledger: Ledger) -> tuple[Board, ElectionContext]:
    board = collect_board(ledger)
    return board, load_context(board)


def _credential_set(board: Board) -> set[bytes]:
    return set(board.credential_list().keys)


@dataclass(frozen=True)
class VoteOutcome:
    ballot_id: str
    confirmation: str
    entry: int
    receipt: str | None
    audit: dict[str, dict[str, int]] | None


def cast_vote(
    ledger: Ledger,
    credential: VoterCredential,
    choices: Mapping[str, Mapping[str, int]],
    *,
    challenge: bool = False,
    rng: Callable[[], int] | None = None,
) -> VoteOutcome:
    """Encrypt, check and post a ballot; with ``challenge`` also post its spoil (Benaloh) and audit it."""
    board, ctx = _context(ledger)
    if board.tallies:
        raise LedgerError("voting is closed: the tally has been posted")
    if credential.public_key not in _credential_set(board):
        raise VerificationError("this credential is not on the election's credential list")
    made = encrypt_ballot(ctx, credential, choices, rng=rng)
    items = [(entry_type(formats.ELECTION_BALLOT), made.payload)]
    audit = None
    if challenge:
        spoil = make_spoil(ctx, credential, made)
        audit = parse_spoil(ctx, spoil).check_against(ctx, parse_ballot(ctx, made.payload))
        items.append((entry_type(formats.ELECTION_SPOIL), spoil))
    done = ledger.append_batch(items, seal=True)
    entry = done.first_seq
    # a fresh checkpoint at the head: the stored one of the previous head does not cover the new entry
    receipt = ledger.prove_inclusion(entry, ledger.checkpoint()).format()
    return VoteOutcome(made.ballot_id, confirmation_code(made.payload), entry, receipt, audit)


def _counted(ctx: ElectionContext, board: Board) -> list[tuple[str, Any]]:
    parsed = [parse_ballot(ctx, p.payload) for p in board.ballots]
    spoiled = {parse_spoil(ctx, p.payload).ballot_id for p in board.spoils}
    ids = set(counted_ballots(ctx.manifest, [(b.ballot_id, b.credential) for b in parsed], spoiled))
    return [(b.ballot_id, [c.ciphertexts for c in b.contests]) for b in parsed if b.ballot_id in ids]


def post_tally(ledger: Ledger) -> Tally:
    """Sum the counted ballots (revote rule, spoiled ballots excluded) and post the tally; closes voting."""
    board, ctx = _context(ledger)
    if board.tallies:
        raise LedgerError("the tally has already been posted")
    tally = compute_tally(ctx, _counted(ctx, board))
    ledger.append(entry_type(formats.ELECTION_TALLY), tally.to_payload(ctx), seal=True)
    return tally


def _tally(board: Board, ctx: ElectionContext) -> Tally:
    posted = board.one("tallies")
    if posted is None:
        raise MalformedInput("no tally has been posted yet (run `zkmed tally`)")
    return Tally.from_payload(ctx, posted.payload)


def trustee_decrypt(ledger: Ledger, share: Any, rng: Callable[[], int] | None = None) -> int:
    """Trustee ``share.index`` posts its partial decryption of the tally; returns the entry index."""
    from .decryption import PartialDecryption, partial_decrypt

    board, ctx = _context(ledger)
    tally = _tally(board, ctx)
    if share.group_name != ctx.group.name or share.n != ctx.trustees:
        raise MalformedInput("this trustee key belongs to another election")
    for posted in board.partials:
        if PartialDecryption.from_payload(ctx.group, posted.payload).index == share.index:
            raise LedgerError(f"trustee {share.index} has already posted its partial decryption")
    partial = partial_decrypt(ctx.group, share, tally.flat(), context=ctx.decryption_context(), rng=rng)
    done = ledger.append(entry_type(formats.ELECTION_PARTIAL_DECRYPTION), partial.to_payload(), seal=True)
    return done.first_seq


def decrypt_result(board: Board, ctx: ElectionContext) -> Result:
    """Combine the posted partial decryptions (invalid ones excluded) into the result."""
    from .ceremony_keys import JointKey
    from .decryption import PartialDecryption, combine

    tally = _tally(board, ctx)
    joint_posted = board.one("joint_key")
    if joint_posted is None:
        raise MalformedInput("no joint key posted")
    joint = JointKey.from_json(joint_posted.payload)
    partials = [PartialDecryption.from_payload(ctx.group, p.payload) for p in board.partials]
    max_value = tally.count * ctx.manifest.max_votes_per_option
    out = combine(ctx.group, joint, tally.flat(), partials, context=ctx.decryption_context(), max_value=max_value)
    return Result.from_counts(ctx.manifest, out.values, out.used, out.excluded)


def publish_result(ledger: Ledger) -> Result:
    """Decrypt and post the result (once); returns it."""
    board, ctx = _context(ledger)
    if board.results:
        raise LedgerError("the result has already been posted")
    res = decrypt_result(board, ctx)
    ledger.append(entry_type(formats.ELECTION_RESULT), res.to_payload(), seal=True)
    return res


def result(ledger: Ledger) -> dict[str, Any]:
    """The published result as JSON (the posted result entry; else decrypted from the posted partials)."""
    board, ctx = _context(ledger)
    posted = board.one("results")
    if posted is not None:
        return Result.from_payload(ctx.manifest, posted.payload).to_json()
    return decrypt_result(board, ctx).to_json()
