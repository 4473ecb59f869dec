"""The homomorphic tally and the published result.

Tally payload (``zkmed.election.tally``, version 2): how many ballots were counted and a
digest of their ids (ledger order), and, per contest and option, the product (sum, written
additively) of their ciphertexts::

    {"contests": [{"ciphertexts": [<b64>…], "id"}…], "counted": <n>, "counted_digest": <64 hex>,
     "election_id", "type", "version"}

``counted_digest = SHA-256("zkmed/v1/election-counted-ballots" ‖ 0x00 ‖ u32(n) ‖ id_1 ‖ … ‖ id_n)``
with each ballot id as its 16 raw bytes (:func:`counted_digest`).  Version 1 listed the ids
themselves, which at 10^5 ballots (3.5 MB) exceeds the ledger's 1 MiB payload limit; anyone
recomputes the counted list from the ledger by the revote rule (verification step 9), so the
digest binds the tally to that list at a fixed size.

Result payload (``zkmed.election.result``; also ``zkmed election result --json``)::

    {"contests": {<contest>: {<option>: <count>…}…}, "election_id", "excluded": {<trustee>: <reason>…},
     "trustees": [<index>…], "type", "version"}
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zkmed.encoding import u32
from zkmed.errors import MalformedInput
from zkmed.formats import ELECTION_RESULT, ELECTION_TALLY

from .context import ElectionContext
from .elgamal import Ciphertext, sum_ciphertexts
from .fields import b64_encode, b64_field, canonical_json, exact_fields, hex_field, list_field, load_payload
from .manifest import Manifest

__all__ = ["Result", "Tally", "compute_tally", "counted_ballots", "counted_digest"]

_COUNTED_LABEL = b"zkmed/v1/election-counted-ballots\x00"


def counted_digest(ids: Sequence[str]) -> bytes:
    """SHA-256 over the label, ``u32(len(ids))`` and each 32-hex-digit ballot id as 16 raw bytes, in order."""
    h = hashlib.sha256(_COUNTED_LABEL + u32(len(ids)))
    for bid in ids:
        h.update(bytes.fromhex(bid))
    return h.digest()


def counted_ballots(manifest: Manifest, ballots: Sequence[tuple[str, bytes]], spoiled: set[str]) -> list[str]:
    """The ids of the counted ballots (ledger order) from ``(ballot id, credential)`` in ledger order.

    Spoiled ballots never count; of a credential's other ballots the revote rule picks the
    latest (``"latest"``) or the first (``"first"``).
    """
    chosen: dict[bytes, str] = {}
    for bid, credential in ballots:
        if bid in spoiled:
            continue
        if manifest.revote == "latest" or credential not in chosen:
            chosen[credential] = bid
    keep = set(chosen.values())
    return [bid for bid, _ in ballots if bid in keep]


@dataclass(frozen=True)
class Tally:
    """The counted ballots' number and :func:`counted_digest`, and the sums per contest and option."""

    count: int
    digest: bytes
    ciphertexts: tuple[tuple[Ciphertext, ...], ...]  # per contest, per option

    @classmethod
    def of(cls, ids: Sequence[str], ciphertexts: tuple[tuple[Ciphertext, ...], ...]) -> Tally:
        return cls(len(ids), counted_digest(ids), ciphertexts)

    def flat(self) -> list[Ciphertext]:
        return [ct for contest in self.ciphertexts for ct in contest]

    def to_payload(self, ctx: ElectionContext) -> bytes:
        g = ctx.group
        contests = [
            {"ciphertexts": [b64_encode(ct.encode(g)) for ct in cts], "id": c.id}
            for c, cts in zip(ctx.manifest.contests, self.ciphertexts, strict=True)
        ]
        doc = {**ELECTION_TALLY.json_header(), "counted": self.count, "counted_digest": self.digest.hex()}
        doc["contests"] = contests
        return canonical_json({**doc, "election_id": ctx.manifest.election_id})

    @classmethod
    def from_payload(cls, ctx: ElectionContext, data: bytes) -> Tally:
        g, manifest = ctx.group, ctx.manifest
        fields = {"type", "version", "election_id", "counted", "counted_digest", "contests"}
        obj = exact_fields(load_payload(ELECTION_TALLY, data), fields, "tally")
        if obj["election_id"] != manifest.election_id:
            raise MalformedInput("tally.election_id is not this election's", where="tally.election_id")
        count = obj["counted"]
        if not (isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= 1 << 24):
            raise MalformedInput("tally.counted must be an integer in 1..2^24", where="tally.counted")
        digest = hex_field(obj["counted_digest"], "tally.counted_digest", 32)
        items = list_field(obj, "contests", "tally", len(manifest.contests), len(manifest.contests))
        out = []
        for ci, (item, contest) in enumerate(zip(items, manifest.contests, strict=True)):
            w = f"tally.contests[{ci}]"
            item = exact_fields(item, {"id", "ciphertexts"}, w)
            if item["id"] != contest.id:
                raise MalformedInput(f"{w}.id must be {contest.id!r}", where=f"{w}.id")
            n = len(contest.options)
            cts = list_field(item, "ciphertexts", w, n, n)
            out.append(tuple(
                Ciphertext.decode(g, b64_field(c, f"{w}.ciphertexts[{j}]", 2 * g.element_size)) for j, c in enumerate(cts)
            ))  # fmt: skip
        return cls(count, digest, tuple(out))

    def same(self, ctx: ElectionContext, other: Tally) -> bool:
        g = ctx.group
        return (self.count, self.digest) == (other.count, other.digest) and all(
            a.eq(g, b) for a, b in zip(self.flat(), other.flat(), strict=True)
        )


def compute_tally(ctx: ElectionContext, counted: Sequence[tuple[str, Sequence[Sequence[Ciphertext]]]]) -> Tally:
    """Sum the counted ballots' ciphertexts per option; ``counted``: (ballot id, per-contest ciphertexts)."""
    if not counted:
        raise MalformedInput("no counted ballots: nothing to tally")
    g = ctx.group
    per_option: list[list[list[Ciphertext]]] = [[[] for _ in c.options] for c in ctx.manifest.contests]
    for _, contests in counted:
        for ci, cts in enumerate(contests):
            for oi, ct in enumerate(cts):
                per_option[ci][oi].append(ct)
    sums = tuple(tuple(sum_ciphertexts(g, cts) for cts in contest) for contest in per_option)
    return Tally.of([bid for bid, _ in counted], sums)


@dataclass(frozen=True)
class Result:
    election_id: str
    counts: dict[str, dict[str, int]]
    trustees: tuple[int, ...]
    excluded: dict[int, str]

    def to_json(self) -> dict[str, Any]:
        return {
            **ELECTION_RESULT.json_header(), "contests": self.counts, "election_id": self.election_id,
            "excluded": {str(i): r for i, r in sorted(self.excluded.items())}, "trustees": list(self.trustees),
        }  # fmt: skip

    def to_payload(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_counts(
        cls, manifest: Manifest, values: Sequence[int], trustees: Sequence[int], excluded: Mapping[int, str]
    ) -> Result:
        counts, at = {}, 0
        for c in manifest.contests:
            counts[c.id] = dict(zip(c.options, values[at : at + len(c.options)], strict=True))
            at += len(c.options)
        return cls(manifest.election_id, counts, tuple(trustees), dict(excluded))

    @classmethod
    def from_payload(cls, manifest: Manifest, data: bytes) -> Result:
        w = "result"
        obj = exact_fields(
            load_payload(ELECTION_RESULT, data),
            {"type", "version", "election_id", "contests", "excluded", "trustees"},
            w,
        )
        if obj["election_id"] != manifest.election_id:
            raise MalformedInput("result.election_id is not this election's", where="result.election_id")
        contests = obj["contests"]
        if not isinstance(contests, dict) or set(contests) != {c.id for c in manifest.contests}:
            raise MalformedInput("result.contests must name every contest", where="result.contests")
        counts: dict[str, dict[str, int]] = {}
        for c in manifest.contests:
            row = contests[c.id]
            if not isinstance(row, dict) or set(row) != set(c.options):
                raise MalformedInput(f"result.contests.{c.id} must name every option", where=f"result.contests.{c.id}")
            if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in row.values()):
                raise MalformedInput(f"result.contests.{c.id}: counts must be non-negative integers")
            counts[c.id] = {o: row[o] for o in c.options}
        trustees = list_field(obj, "trustees", w, 1, 1000)
        if any(not isinstance(t, int) or isinstance(t, bool) or t < 1 for t in trustees):
            raise MalformedInput("result.trustees must be trustee indices", where="result.trustees")
        excluded = obj["excluded"]
        if not isinstance(excluded, dict) or not all(isinstance(v, str) and k.isdigit() for k, v in excluded.items()):
            raise MalformedInput("result.excluded must map trustee indices to reasons", where="result.excluded")
        return cls(manifest.election_id, counts, tuple(trustees), {int(k): v for k, v in excluded.items()})
