"""The election on its ledger (the "bulletin board"): its payload types, and reading what has been posted.

Ledger entry types are the payloads' format names without the ``zkmed.`` prefix (the ledger
reserves ``zkmed.*`` entry types), e.g. ``election.ballot`` holds a ``zkmed.election.ballot``.  Posted by ``zkmed election create``:
``zkmed.election.parameters`` (group, trustees n, quorum k, the manifest), the ceremony
messages (``zkmed.election.ceremony-*``), ``zkmed.election.joint-key``,
``zkmed.election.base`` (the base hash) and ``zkmed.election.credentials``; then ballots
and spoils (``zkmed vote``), ``zkmed.election.tally`` (``zkmed tally``), partial
decryptions (``zkmed trustee decrypt``) and ``zkmed.election.result``.  Entries of other
types (not ``zkmed.election.*``) are not the election's and are skipped.

Parameters payload::

    {"group", "manifest": {…canonical manifest…}, "quorum": k, "trustees": n, "type", "version"}

Base payload: ``{"base_hash": <hex>, "election_id", "type", "version"}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from zkmed import formats
from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.groups import BACKENDS
from zkmed.ledger import Ledger

from .context import ElectionContext, base_hash
from .credentials import CredentialList, join_parts
from .fields import canonical_json, exact_fields, hex_field, int_field, load_payload, str_field
from .manifest import Manifest, parse_manifest

__all__ = ["Board", "Parameters", "Posted", "election_entries", "entry_type", "load_context", "collect_board"]

PREFIX = "election."
MAX_TRUSTEES = 100


def entry_type(fmt: formats.Format) -> str:
    """The ledger entry type of a payload format: its name without ``zkmed.`` (the ledger reserves that prefix)."""
    return fmt.name.removeprefix("zkmed.")


@dataclass(frozen=True)
class Posted:
    """One ledger entry: its index (sequence number), type and payload bytes."""

    index: int
    type: str
    payload: bytes

    @property
    def where(self) -> str:
        return f"entry {self.index}"


@dataclass(frozen=True)
class Parameters:
    group: str
    trustees: int
    quorum: int
    manifest: Manifest

    def to_payload(self) -> bytes:
        doc = {**formats.ELECTION_PARAMETERS.json_header(), "group": self.group, "manifest": self.manifest.to_json()}
        return canonical_json({**doc, "quorum": self.quorum, "trustees": self.trustees})

    @classmethod
    def from_payload(cls, data: bytes) -> Parameters:
        w = "parameters"
        obj = exact_fields(
            load_payload(formats.ELECTION_PARAMETERS, data),
            {"type", "version", "group", "manifest", "quorum", "trustees"},
            w,
        )
        group = str_field(obj, "group", w)
        if group not in BACKENDS:
            raise MalformedInput(f"parameters.group: unknown group {group[:40]!r}", where="parameters.group")
        n = int_field(obj, "trustees", w, 1, MAX_TRUSTEES)
        k = int_field(obj, "quorum", w, 1, n)
        manifest = parse_manifest(obj["manifest"])
        if manifest.to_json() != obj["manifest"]:
            raise MalformedInput(
                "parameters.manifest must be in canonical form (defaults written out)", where="parameters.manifest"
            )
        return cls(group, n, k, manifest)


def base_payload(election_id: str, digest: bytes) -> bytes:
    return canonical_json(
        {**formats.ELECTION_BASE.json_header(), "base_hash": digest.hex(), "election_id": election_id}
    )


def parse_base(data: bytes) -> tuple[str, bytes]:
    obj = exact_fields(
        load_payload(formats.ELECTION_BASE, data), {"type", "version", "base_hash", "election_id"}, "base"
    )
    return str_field(obj, "election_id", "base"), hex_field(obj["base_hash"], "base.base_hash", 32)


def election_entries(ledger: Ledger, start: int = 0) -> Iterator[Posted]:
    """Every entry from ``start`` on (sealed and pending), as :class:`Posted`."""
    end = ledger.size + ledger.pending
    step = 4096
    from zkmed.ledger.entries import Entry

    for lo in range(start, end, step):
        for data in ledger.store.entries(lo, min(end, lo + step)):
            e = Entry.decode(data)
            yield Posted(e.seq, e.type, e.payload)


_KINDS = {
    entry_type(formats.ELECTION_PARAMETERS): "parameters",
    entry_type(formats.ELECTION_JOINT_KEY): "joint_key",
    entry_type(formats.ELECTION_BASE): "base",
    entry_type(formats.ELECTION_CREDENTIALS): "credentials",
    entry_type(formats.ELECTION_BALLOT): "ballots",
    entry_type(formats.ELECTION_SPOIL): "spoils",
    entry_type(formats.ELECTION_TALLY): "tallies",
    entry_type(formats.ELECTION_PARTIAL_DECRYPTION): "partials",
    entry_type(formats.ELECTION_RESULT): "results",
}
_CEREMONY = {
    entry_type(f)
    for f in (formats.CEREMONY_ROUND1, formats.CEREMONY_ROUND2, formats.CEREMONY_ROUND3, formats.CEREMONY_ANSWER)
}


@dataclass
class Board:
    """The election's entries by kind, in ledger order (nothing validated yet)."""

    parameters: list[Posted] = field(default_factory=list)
    ceremony: list[Posted] = field(default_factory=list)
    joint_key: list[Posted] = field(default_factory=list)
    base: list[Posted] = field(default_factory=list)
    credentials: list[Posted] = field(default_factory=list)
    ballots: list[Posted] = field(default_factory=list)
    spoils: list[Posted] = field(default_factory=list)
    tallies: list[Posted] = field(default_factory=list)
    partials: list[Posted] = field(default_factory=list)
    results: list[Posted] = field(default_factory=list)
    unknown: list[Posted] = field(default_factory=list)
    size: int = 0

    def add(self, posted: Posted) -> None:
        """File one entry (in ledger order) under its kind; other types than ``election.*`` are skipped."""
        self.size = posted.index + 1
        if posted.type in _CEREMONY:
            self.ceremony.append(posted)
        elif (kind := _KINDS.get(posted.type)) is not None:
            getattr(self, kind).append(posted)
        elif posted.type.startswith(PREFIX):
            self.unknown.append(posted)

    def credential_list(self) -> CredentialList:
        """The registrar's whole list, joined from its parts (MalformedInput if none is posted)."""
        return join_parts([CredentialList.from_payload(p.payload) for p in self.credentials])

    def setup(self) -> list[Posted]:
        """The entries that define the election context (parameters, ceremony, joint key, base hash)."""
        return sorted([*self.parameters, *self.ceremony, *self.joint_key, *self.base], key=lambda p: p.index)

    def one(self, kind: str) -> Posted | None:
        """The single entry of ``kind`` (None if absent); VerificationError naming the second one if posted twice."""
        items: list[Posted] = getattr(self, kind)
        if len(items) > 1:
            raise VerificationError(f"a second {items[1].type} entry was posted", where=items[1].where)
        return items[0] if items else None


def collect_board(ledger: Ledger) -> Board:
    board = Board()
    for posted in election_entries(ledger):
        board.add(posted)
    return board


def _require(board: Board, kind: str, what: str) -> Posted:
    posted = board.one(kind)
    if posted is None:
        raise MalformedInput(f"this ledger holds no {what} (run `zkmed election create` first)")
    return posted


def _parse(posted: Posted, parse: Any) -> Any:
    try:
        return parse(posted.payload)
    except MalformedInput as exc:
        raise MalformedInput(f"{posted.type}: {exc.message}", where=posted.where) from exc


def load_context(board: Board) -> ElectionContext:
    """The election context from the posted parameters, round-1 messages, joint key and base hash.

    Checks the posted base hash against the recomputed one, not the ceremony proofs
    (``zkmed election verify`` does: step 3).
    """
    from .ceremony_keys import JointKey

    params = _parse(_require(board, "parameters", "election parameters"), Parameters.from_payload)
    joint_posted = _require(board, "joint_key", "joint key")
    joint = _parse(joint_posted, JointKey.from_json)
    base_posted = _require(board, "base", "election base hash")
    election_id, posted_hash = _parse(base_posted, parse_base)
    digest = compute_base_hash(board, params, joint_posted.payload)
    if election_id != params.manifest.election_id or digest != posted_hash:
        raise VerificationError(
            "the posted election base hash is not the hash of the posted election", where=base_posted.where
        )
    if joint.group_name != params.group or (joint.n, joint.k) != (params.trustees, params.quorum):
        raise VerificationError("the joint key does not match the election parameters", where=joint_posted.where)
    return ElectionContext.make(params.group, params.manifest, joint.public_key, digest, params.trustees, params.quorum)


def round1_payloads(board: Board, n: int) -> list[bytes]:
    """The round-1 payloads in trustee order 1..n (by the ``trustee`` field; a missing or repeated one is an error)."""
    found: dict[int, Posted] = {}
    for posted in board.ceremony:
        if posted.type != entry_type(formats.CEREMONY_ROUND1):
            continue
        obj = load_payload(formats.CEREMONY_ROUND1, posted.payload)
        index = obj.get("trustee")
        if not isinstance(index, int) or isinstance(index, bool) or not 1 <= index <= n or index in found:
            raise VerificationError(
                "a round-1 message with a missing, invalid or repeated trustee index", where=posted.where
            )
        found[index] = posted
    if len(found) != n:
        raise VerificationError(f"the ceremony needs {n} round-1 messages, {len(found)} were posted")
    return [found[i].payload for i in range(1, n + 1)]


def compute_base_hash(board: Board, params: Parameters, joint_payload: bytes) -> bytes:
    return base_hash(
        params.group,
        params.manifest,
        params.trustees,
        params.quorum,
        round1_payloads(board, params.trustees),
        joint_payload,
    )
