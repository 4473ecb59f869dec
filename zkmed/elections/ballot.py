"""Encrypted, credential-signed ballots; Benaloh challenges (spoiled ballots with their nonces released).

Ballot payload (``zkmed.election.ballot``, canonical JSON)::

    {"ballot_id": <32 hex>, "contests": [{"id", "proof": <b64 sum proof>,
                                          "selections": [{"ciphertext": <b64>, "proof": <b64>}…]}…],
     "credential": <hex Ed25519 key>, "election_id", "signature": <hex>, "type", "version"}

Contests in manifest order, one selection per option in manifest order; each selection's
ciphertext carries a range proof ``0..R`` and each contest's sum a proof ``0..L``
(:mod:`zkmed.elections.ballot_proofs`), their contexts binding the base hash, the ballot
id, the contest and the option index.  The signature is the credential's Ed25519
signature over the canonical JSON of every other field.

Spoil payload (``zkmed.election.spoil``, posted after the ballot it opens)::

    {"ballot_id", "contests": [{"id", "nonces": [<b64 scalar>…], "votes": [<int>…]}…],
     "credential", "election_id", "signature", "type", "version"}
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.formats import ELECTION_BALLOT, ELECTION_SPOIL
from zkmed.hazmat.groups import Group

from .ballot_proofs import SUM_INDEX, ProofBatch, RangeProof, proof_context, prove_opened_range, verify_range
from .context import ElectionContext
from .credentials import VoterCredential, verify_signature
from .elgamal import Ciphertext, encrypt, sum_ciphertexts
from .fields import b64_encode, b64_field, canonical_json, exact_fields, hex_field, list_field, load_payload
from .manifest import Contest, Manifest

__all__ = [
    "Ballot", "EncryptedBallot", "Spoil", "add_ballot_proofs", "choices_from_text", "encrypt_ballot",
    "make_spoil", "parse_ballot", "parse_spoil", "verify_ballot_proofs",
]  # fmt: skip

BALLOT_FIELDS = {"type", "version", "election_id", "ballot_id", "credential", "contests", "signature"}


def choices_from_text(manifest: Manifest, items: Sequence[str]) -> dict[str, dict[str, int]]:
    """``["mayor=alice", "council=bob,carol"]`` → votes per contest and option (an option listed twice: 2 votes)."""
    out: dict[str, dict[str, int]] = {}
    for item in items:
        contest_id, sep, rest = item.partition("=")
        if not sep:
            raise MalformedInput(f"choice {item!r}: expected CONTEST=OPTION[,OPTION…]")
        _, contest = manifest.contest(contest_id)
        if contest_id in out:
            raise MalformedInput(f"contest {contest_id!r} is chosen twice")
        votes: dict[str, int] = {}
        for option in rest.split(",") if rest else []:
            if option not in contest.options:
                raise MalformedInput(
                    f"contest {contest_id!r} has no option {option!r}; options: {', '.join(contest.options)}"
                )
            votes[option] = votes.get(option, 0) + 1
        out[contest_id] = votes
    return out


def _votes(contest: Contest, chosen: Mapping[str, int]) -> list[int]:
    for option in chosen:
        if option not in contest.options:
            raise MalformedInput(f"contest {contest.id!r} has no option {option!r}")
    votes = [chosen.get(o, 0) for o in contest.options]
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in votes):
        raise MalformedInput(f"contest {contest.id!r}: votes must be non-negative integers")
    if any(v > contest.option_limit for v in votes):
        raise ProvingError(f"contest {contest.id!r}: an option may receive at most {contest.option_limit} vote(s)")
    if sum(votes) > contest.selection_limit:
        raise ProvingError(f"contest {contest.id!r}: at most {contest.selection_limit} vote(s) in total (overvote)")
    return votes


@dataclass(frozen=True)
class EncryptedBallot:
    """A ballot just made: its payload, and the secrets a Benaloh challenge would release."""

    ballot_id: str
    payload: bytes
    votes: tuple[tuple[int, ...], ...]
    nonces: tuple[tuple[int, ...], ...]

    def __repr__(self) -> str:
        return f"EncryptedBallot({self.ballot_id}, {len(self.payload)} bytes, nonces=<redacted>)"


def encrypt_ballot(
    ctx: ElectionContext,
    credential: VoterCredential,
    choices: Mapping[str, Mapping[str, int]],
    *,
    ballot_id: str | None = None,
    rng: Callable[[], int] | None = None,
) -> EncryptedBallot:
    """Encrypt, prove and sign a ballot; contests not in ``choices`` are left blank (all zero)."""
    manifest, group = ctx.manifest, ctx.group
    if credential.election_id != manifest.election_id:
        raise MalformedInput(
            f"this credential is for election {credential.election_id!r}, not {manifest.election_id!r}"
        )
    for contest_id in choices:
        manifest.contest(contest_id)
    bid = ballot_id or secrets.token_hex(16)
    draw = rng or group.random_scalar
    contests, all_votes, all_nonces = [], [], []
    for ci, contest in enumerate(manifest.contests):
        votes = _votes(contest, choices.get(contest.id, {}))
        nonces = [draw() for _ in votes]
        selections, cts = [], []
        for oi, (v, r) in enumerate(zip(votes, nonces, strict=True)):
            ct = encrypt(group, ctx.key.base, v, r)
            raw = ct.encode(group)
            proof = prove_opened_range(group, ctx.key, ct, 0, contest.option_limit, v, r,
                                context=proof_context(ctx.base_hash, bid, ci, oi), rng=rng, ct_bytes=raw)  # fmt: skip
            cts.append(ct)
            selections.append({"ciphertext": b64_encode(raw), "proof": b64_encode(proof.to_bytes(group))})
        total = sum_ciphertexts(group, cts)
        sum_proof = prove_opened_range(
            group, ctx.key, total, 0, contest.selection_limit, sum(votes), sum(nonces) % group.order,
            context=proof_context(ctx.base_hash, bid, ci, SUM_INDEX), rng=rng,
        )  # fmt: skip
        contests.append({"id": contest.id, "proof": b64_encode(sum_proof.to_bytes(group)), "selections": selections})
        all_votes.append(tuple(votes))
        all_nonces.append(tuple(nonces))
    body = {
        **ELECTION_BALLOT.json_header(), "election_id": manifest.election_id, "ballot_id": bid,
        "credential": credential.public_key.hex(), "contests": contests,
    }  # fmt: skip
    signature = credential.sign(canonical_json(body))
    payload = canonical_json({**body, "signature": signature.hex()})
    return EncryptedBallot(bid, payload, tuple(all_votes), tuple(all_nonces))


@dataclass(frozen=True)
class ParsedContest:
    ciphertexts: tuple[Ciphertext, ...]
    ciphertext_bytes: tuple[bytes, ...]
    proofs: tuple[bytes, ...]
    sum_proof: bytes


@dataclass(frozen=True)
class Ballot:
    """A parsed ballot payload (elements validated; proofs and signature not yet checked)."""

    ballot_id: str
    credential: bytes
    contests: tuple[ParsedContest, ...]
    signed: bytes
    signature: bytes
    payload: bytes

    def check_signature(self) -> None:
        verify_signature(self.credential, self.signed, self.signature)


def parse_ballot(ctx: ElectionContext, data: bytes) -> Ballot:
    """Parse and validate a ballot payload against the manifest; MalformedInput names the field."""
    group, manifest = ctx.group, ctx.manifest
    obj = exact_fields(load_payload(ELECTION_BALLOT, data), BALLOT_FIELDS, "ballot")
    if obj["election_id"] != manifest.election_id:
        raise MalformedInput("ballot.election_id is not this election's", where="ballot.election_id")
    bid = obj["ballot_id"]
    hex_field(bid, "ballot.ballot_id", 16)
    credential = hex_field(obj["credential"], "ballot.credential", 32)
    signature = hex_field(obj["signature"], "ballot.signature", 64)
    items = list_field(obj, "contests", "ballot", len(manifest.contests), len(manifest.contests))
    contests = []
    ct_size = 2 * group.element_size
    for ci, (item, contest) in enumerate(zip(items, manifest.contests, strict=True)):
        w = f"ballot.contests[{ci}]"
        item = exact_fields(item, {"id", "proof", "selections"}, w)
        if item["id"] != contest.id:
            raise MalformedInput(f"{w}.id must be {contest.id!r} (manifest order)", where=f"{w}.id")
        n = len(contest.options)
        sels = list_field(item, "selections", w, n, n)
        cts, raws, proofs = [], [], []
        for oi, sel in enumerate(sels):
            sw = f"{w}.selections[{oi}]"
            sel = exact_fields(sel, {"ciphertext", "proof"}, sw)
            raw = b64_field(sel["ciphertext"], f"{sw}.ciphertext", ct_size)
            try:
                cts.append(Ciphertext.decode(group, raw))
            except MalformedInput as exc:
                raise MalformedInput(f"{sw}.ciphertext: {exc.message}", where=f"{sw}.ciphertext") from exc
            raws.append(raw)
            proofs.append(b64_field(sel["proof"], f"{sw}.proof", RangeProof.size(group, contest.option_limit + 1)))
        sum_proof = b64_field(item["proof"], f"{w}.proof", RangeProof.size(group, contest.selection_limit + 1))
        contests.append(ParsedContest(tuple(cts), tuple(raws), tuple(proofs), sum_proof))
    signed = canonical_json({k: v for k, v in obj.items() if k != "signature"})
    return Ballot(bid, credential, tuple(contests), signed, signature, bytes(data))


def _proof_items(ctx: ElectionContext, ballot: Ballot) -> list[tuple[Any, ...]]:
    """Every proof of the ballot: (ciphertext, bytes, lo, hi, proof, context, label)."""
    group, out = ctx.group, []
    for ci, (parsed, contest) in enumerate(zip(ballot.contests, ctx.manifest.contests, strict=True)):
        for oi, (ct, raw, proof) in enumerate(
            zip(parsed.ciphertexts, parsed.ciphertext_bytes, parsed.proofs, strict=True)
        ):
            label = f"contest {contest.id} option {contest.options[oi]}"
            out.append(
                (ct, raw, 0, contest.option_limit, proof, proof_context(ctx.base_hash, ballot.ballot_id, ci, oi), label)
            )
        total = sum_ciphertexts(group, parsed.ciphertexts)
        out.append((total, total.encode(group), 0, contest.selection_limit, parsed.sum_proof,
                    proof_context(ctx.base_hash, ballot.ballot_id, ci, SUM_INDEX), f"contest {contest.id} sum"))  # fmt: skip
    return out


def verify_ballot_proofs(ctx: ElectionContext, ballot: Ballot) -> None:
    """Every proof of ``ballot`` one by one; VerificationError naming the first bad one."""
    for ct, raw, lo, hi, proof, context, label in _proof_items(ctx, ballot):
        try:
            verify_range(ctx.group, ctx.key, ct, raw, lo, hi, proof, context=context)
        except VerificationError as exc:
            raise VerificationError(f"ballot {ballot.ballot_id}: {label}: {exc.message}") from exc


def add_ballot_proofs(ctx: ElectionContext, ballot: Ballot, batch: ProofBatch, label: str = "") -> None:
    """Add every proof of ``ballot`` to ``batch`` (VerificationError at once for an unparsable one)."""
    for ct, raw, lo, hi, proof, context, what in _proof_items(ctx, ballot):
        batch.add(ctx.key, ct, raw, lo, hi, proof, context=context, label=label or what)


# ------------------------------------------------------------------ Benaloh challenge


@dataclass(frozen=True)
class Spoil:
    ballot_id: str
    credential: bytes
    votes: tuple[tuple[int, ...], ...]
    nonces: tuple[tuple[int, ...], ...]
    signed: bytes
    signature: bytes

    def check_signature(self) -> None:
        verify_signature(self.credential, self.signed, self.signature)

    def check_against(self, ctx: ElectionContext, ballot: Ballot) -> dict[str, dict[str, int]]:
        """Re-encrypt every (vote, nonce) and compare with the ballot; the audited choices, or VerificationError."""
        return self.check_ciphertexts(
            ctx, ballot.ballot_id, ballot.credential, [c.ciphertexts for c in ballot.contests]
        )

    def check_ciphertexts(
        self, ctx: ElectionContext, ballot_id: str, credential: bytes, contests: Sequence[Sequence[Ciphertext]]
    ) -> dict[str, dict[str, int]]:
        """:meth:`check_against` given the ballot's id, credential and ciphertexts per contest."""
        group = ctx.group
        if ballot_id != self.ballot_id or credential != self.credential:
            raise VerificationError("the spoil message does not belong to this ballot")
        out: dict[str, dict[str, int]] = {}
        for contest, cts, votes, nonces in zip(ctx.manifest.contests, contests, self.votes, self.nonces, strict=True):
            for option, ct, v, r in zip(contest.options, cts, votes, nonces, strict=True):
                if not (0 < r < group.order) or not encrypt(group, ctx.key.base, v, r).eq(group, ct):
                    raise VerificationError(
                        f"spoiled ballot {self.ballot_id}: contest {contest.id} option {option} does not re-encrypt"
                    )
            out[contest.id] = dict(zip(contest.options, votes, strict=True))
        return out


def make_spoil(ctx: ElectionContext, credential: VoterCredential, ballot: EncryptedBallot) -> bytes:
    """The spoil payload releasing ``ballot``'s votes and nonces (a Benaloh challenge), signed by the credential."""
    group = ctx.group
    contests = [
        {"id": c.id, "nonces": [b64_encode(group.encode_scalar(r)) for r in nonces], "votes": list(votes)}
        for c, votes, nonces in zip(ctx.manifest.contests, ballot.votes, ballot.nonces, strict=True)
    ]
    body = {
        **ELECTION_SPOIL.json_header(), "election_id": ctx.manifest.election_id, "ballot_id": ballot.ballot_id,
        "credential": credential.public_key.hex(), "contests": contests,
    }  # fmt: skip
    return canonical_json({**body, "signature": credential.sign(canonical_json(body)).hex()})


def parse_spoil(ctx: ElectionContext, data: bytes) -> Spoil:
    group: Group = ctx.group
    manifest = ctx.manifest
    obj = exact_fields(load_payload(ELECTION_SPOIL, data), BALLOT_FIELDS, "spoil")
    if obj["election_id"] != manifest.election_id:
        raise MalformedInput("spoil.election_id is not this election's", where="spoil.election_id")
    bid = obj["ballot_id"]
    hex_field(bid, "spoil.ballot_id", 16)
    credential = hex_field(obj["credential"], "spoil.credential", 32)
    signature = hex_field(obj["signature"], "spoil.signature", 64)
    items = list_field(obj, "contests", "spoil", len(manifest.contests), len(manifest.contests))
    votes, nonces = [], []
    for ci, (item, contest) in enumerate(zip(items, manifest.contests, strict=True)):
        w = f"spoil.contests[{ci}]"
        item = exact_fields(item, {"id", "nonces", "votes"}, w)
        if item["id"] != contest.id:
            raise MalformedInput(f"{w}.id must be {contest.id!r}", where=f"{w}.id")
        n = len(contest.options)
        vs = list_field(item, "votes", w, n, n)
        if any(not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= contest.option_limit for v in vs):
            raise MalformedInput(f"{w}.votes must be integers in [0, {contest.option_limit}]", where=f"{w}.votes")
        ns = [
            group.decode_scalar(b64_field(r, f"{w}.nonces[{j}]", group.scalar_size))
            for j, r in enumerate(list_field(item, "nonces", w, n, n))
        ]
        votes.append(tuple(vs))
        nonces.append(tuple(ns))
    signed = canonical_json({k: v for k, v in obj.items() if k != "signature"})
    return Spoil(bid, credential, tuple(votes), tuple(nonces), signed, signature)
