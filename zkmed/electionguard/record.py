"""Strict loading of an ElectionGuard 2.0 election record directory (egk JSON layout).

Layout: ``constants.json``, ``manifest.json``, ``election_config.json``, ``election_initialized.json``,
``encrypted_ballots/<device>/eballot-*.json``, ``encrypted_tally.json``, ``tally.json``,
``challenged_ballots/dballot-*.json``.  Every value is validated when read (:mod:`.fields`) and the elements of each
file pass one batched subgroup test (:meth:`~zkmed.electionguard.arith.Arith.check_subgroup`) before any step uses
them; anything that does not parse raises :class:`~zkmed.errors.MalformedInput`.  A record that uses ballot chaining
or pre-encrypted ballots raises :class:`~zkmed.errors.UnsupportedVersion` (not implemented here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zkmed.electionguard.arith import Arith
from zkmed.electionguard.fields import Obj, Reader, parse_document
from zkmed.errors import MalformedInput, UnsupportedVersion

__all__ = [
    "Ballot",
    "BallotContest",
    "BallotSelection",
    "Config",
    "Constants",
    "DecryptedContest",
    "DecryptedSelection",
    "Guardian",
    "Manifest",
    "ManifestContest",
    "Record",
    "Tally",
    "ballot_files",
    "file_bytes",
    "load_record",
    "load_tallies",
    "parse_ballot",
    "parse_decrypted",
]

MAX_FILE_BYTES = 16 << 20
_HEX_LOWER = re.compile(r"[1-9a-f][0-9a-f]*")
_HEX_UPPER = re.compile(r"(?:[0-9A-F]{2})*")


def file_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise MalformedInput(f"{path}: file larger than {MAX_FILE_BYTES} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise MalformedInput(f"{path}: cannot read ({exc.strerror or exc})") from None


@dataclass(frozen=True)
class Constants:
    protocol_version: str
    p: int
    q: int
    r: int
    g: int


@dataclass(frozen=True)
class Config:
    n: int
    k: int
    h_p: bytes
    h_m: bytes
    h_b: bytes
    chained: bool


@dataclass(frozen=True)
class Guardian:
    x: int
    guardian_id: str
    #: (K_i,j, c_i,j, v_i,j) for j = 0..k-1
    proofs: list[tuple[Any, int, int]]


@dataclass(frozen=True)
class ManifestContest:
    contest_id: str
    seq: int
    votes_allowed: int  # L
    option_limit: int  # R
    selections: list[tuple[str, int]]  # (selection id, sequence order)


@dataclass(frozen=True)
class Manifest:
    raw: bytes
    contests: dict[str, ManifestContest]


@dataclass(frozen=True)
class BallotSelection:
    selection_id: str
    seq: int
    ciphertext: tuple[Any, Any]
    proofs: list[tuple[int, int]]


@dataclass(frozen=True)
class BallotContest:
    contest_id: str
    seq: int
    contest_hash: bytes
    selections: list[BallotSelection]
    proofs: list[tuple[int, int]]
    contest_data: tuple[Any, bytes, bytes] | None  # (C0, C1, C2)


@dataclass(frozen=True)
class Ballot:
    file: str
    ballot_id: str
    state: str  # CAST or CHALLENGED
    election_id: bytes
    b_aux: bytes
    confirmation_code: bytes
    contests: list[BallotContest]


@dataclass(frozen=True)
class DecryptedSelection:
    selection_id: str
    value: int  # t (tally) or σ (challenged ballot)
    t_value: Any  # T = K^t ("b_over_m"), identity allowed
    ciphertext: tuple[Any, Any]  # (A, B)
    proof: tuple[int, int]


@dataclass(frozen=True)
class DecryptedContest:
    contest_id: str
    selections: list[DecryptedSelection]
    #: challenged ballots: ((C0, C1, C2), proof (c, v), β); None for tallies
    contest_data: tuple[tuple[Any, bytes, bytes], tuple[int, int], Any] | None = None


@dataclass(frozen=True)
class Tally:
    file: str
    tally_id: str
    contests: list[DecryptedContest]
    election_id: bytes | None


@dataclass
class Record:
    """The record's small files, loaded and checked; ballots are read separately (they may go to worker processes)."""

    directory: Path
    constants: Constants
    config: Config
    manifest: Manifest
    joint_key: Any
    h_e: bytes
    guardians: list[Guardian]
    ballot_paths: list[Path] = field(default_factory=list)
    decrypted_paths: list[Path] = field(default_factory=list)
    encrypted_tally: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    cast_ballot_ids: list[str] = field(default_factory=list)
    encrypted_tally_election_id: bytes | None = None
    tally: Tally = field(default_factory=lambda: Tally("tally.json", "", [], None))


def _hex_param(o: Obj, key: str) -> int:
    text = o.text(key)
    if _HEX_LOWER.fullmatch(text) is None or len(text) > 1100:
        raise MalformedInput(f"{o.path}.{key}: expected lower-case hex without leading zeros")
    return int(text, 16)


def _load_constants(directory: Path) -> Constants:
    where = "constants.json"
    root = Reader(where).root(parse_document(file_bytes(directory / where), where))
    c = root.obj("constants")
    return Constants(
        root.text("protocolVersion"),
        _hex_param(c, "largePrime"),
        _hex_param(c, "smallPrime"),
        _hex_param(c, "cofactor"),
        _hex_param(c, "generator"),
    )


def _load_config(directory: Path) -> Config:
    where = "election_config.json"
    o = Reader(where).root(parse_document(file_bytes(directory / where), where))
    n = o.integer("number_of_guardians", low=1)
    k = o.integer("quorum", low=1, high=n)
    chained = o.flag("chain_confirmation_codes") if o.has("chain_confirmation_codes") else False
    return Config(n, k, o.hash("parameter_base_hash"), o.hash("manifest_hash"), o.hash("election_base_hash"), chained)


def _load_manifest(directory: Path) -> Manifest:
    where = "manifest.json"
    raw = file_bytes(directory / where)
    o = Reader(where).root(parse_document(raw, where))
    contests: dict[str, ManifestContest] = {}
    for c in o.objs("contests"):
        cid = c.text("object_id")
        if cid in contests:
            raise MalformedInput(f"{c.path}: duplicate contest id {cid!r}")
        selections = [
            (s.text("object_id"), s.integer("sequence_order")) for s in c.objs("ballot_selections", min_len=1)
        ]
        if len({s for s, _ in selections}) != len(selections):
            raise MalformedInput(f"{c.path}: duplicate selection ids")
        contests[cid] = ManifestContest(
            cid,
            c.integer("sequence_order"),
            c.integer("votes_allowed", low=1),
            c.integer("option_selection_limit", low=1),
            selections,
        )
    return Manifest(raw, contests)


def _load_initialized(directory: Path, arith: Arith, k: int) -> tuple[Any, bytes, list[Guardian]]:
    where = "election_initialized.json"
    reader = Reader(where)
    o = reader.root(parse_document(file_bytes(directory / where), where))
    joint_key = o.element("joint_public_key")
    h_e = o.hash("extended_base_hash")
    guardians = []
    for g in o.objs("guardians", min_len=1):
        proofs = [
            (p.element("public_key"), p.challenge("challenge"), p.scalar("response"))
            for p in g.objs("coefficient_proofs")
        ]
        if len(proofs) != k:
            raise MalformedInput(f"{g.path}.coefficient_proofs: expected k = {k} proofs, got {len(proofs)}")
        guardians.append(Guardian(g.integer("x_coordinate", low=1), g.text("guardian_id"), proofs))
    arith.check_subgroup(reader.elements)
    return joint_key, h_e, guardians


def _load_encrypted_tally(
    directory: Path, arith: Arith
) -> tuple[dict[str, dict[str, tuple[Any, Any]]], list[str], bytes | None]:
    where = "encrypted_tally.json"
    reader = Reader(where)
    o = reader.root(parse_document(file_bytes(directory / where), where))
    out: dict[str, dict[str, tuple[Any, Any]]] = {}
    for c in o.objs("contests"):
        cid = c.text("contest_id")
        if cid in out:
            raise MalformedInput(f"{c.path}: duplicate contest {cid!r}")
        sels: dict[str, tuple[Any, Any]] = {}
        for s in c.objs("selections"):
            sid = s.text("selection_id")
            if sid in sels:
                raise MalformedInput(f"{s.path}: duplicate selection {sid!r}")
            sels[sid] = s.ciphertext()
        out[cid] = sels
    cast_ids = o.texts("cast_ballot_ids") if o.has("cast_ballot_ids") else []
    election_id = o.hash("election_id") if o.has("election_id") else None
    arith.check_subgroup(reader.elements)
    return out, cast_ids, election_id


def _decrypted_selection(s: Obj) -> DecryptedSelection:
    return DecryptedSelection(
        s.text("selection_id"), s.integer("tally"), s.element("b_over_m", identity=True), s.ciphertext(), s.proof()
    )


def parse_decrypted(
    data: bytes, where: str, arith: Arith, *, challenged: bool, pending: list[tuple[Any, str]] | None = None
) -> Tally:
    """A decrypted tally (``tally.json``) or a decrypted challenged ballot (``dballot-*.json``); with ``pending`` the
    elements are appended there for the caller's batched subgroup test instead of being tested here."""
    reader = Reader(where)
    o = reader.root(parse_document(data, where))
    contests = []
    for c in o.objs("contests"):
        data_part = None
        if challenged:
            d = c.obj("decrypted_contest_data")
            e = d.obj("encrypted_contest_data")
            encrypted = (e.element("c0"), e.b64("c1", 64), e.b64("c2", 32))
            data_part = (encrypted, d.proof(), d.element("beta"))
        contests.append(
            DecryptedContest(c.text("contest_id"), [_decrypted_selection(s) for s in c.objs("selections")], data_part)
        )
    election_id = o.hash("election_id") if o.has("election_id") else None
    _subgroup(arith, reader, pending)
    return Tally(where, o.text("id"), contests, election_id)


def parse_ballot(
    data: bytes,
    where: str,
    arith: Arith,
    manifest: dict[str, ManifestContest],
    pending: list[tuple[Any, str]] | None = None,
) -> Ballot:
    """One encrypted ballot (``eballot-*.json``); the manifest gives each contest's option limit R and limit L;
    ``pending`` as in :func:`parse_decrypted`."""
    reader = Reader(where)
    o = reader.root(parse_document(data, where))
    if o.has("is_preencrypt") and o.flag("is_preencrypt"):
        raise UnsupportedVersion(f"{where}: pre-encrypted ballots (Verifications 15-18) are not supported")
    state = o.text("state")
    if state not in ("CAST", "CHALLENGED"):
        raise MalformedInput(f"{where}.state: expected CAST or CHALLENGED, got {state!r}")
    b_aux_hex = o.text("code_baux")
    if _HEX_UPPER.fullmatch(b_aux_hex) is None:
        raise MalformedInput(f"{where}.code_baux: expected upper-case hex")
    contests = []
    for c in o.objs("contests"):
        cid = c.text("contest_id")
        spec = manifest.get(cid)
        if spec is None:
            raise MalformedInput(f"{c.path}: contest {cid!r} is not in the manifest")
        selections = [
            BallotSelection(
                s.text("selection_id"), s.integer("sequence_order"), s.ciphertext(), s.proofs(spec.option_limit + 1)
            )
            for s in c.objs("selections", min_len=1)
        ]
        contest_data = None
        if c.has("encrypted_contest_data"):
            e = c.obj("encrypted_contest_data")
            contest_data = (e.element("c0"), e.b64("c1", 64), e.b64("c2", 32))
        contests.append(
            BallotContest(
                cid,
                c.integer("sequence_order"),
                c.hash("contest_hash"),
                selections,
                c.proofs(spec.votes_allowed + 1),
                contest_data,
            )
        )
    ballot = Ballot(
        where,
        o.text("ballot_id"),
        state,
        o.hash("election_id"),
        bytes.fromhex(b_aux_hex),
        o.hash("confirmation_code"),
        contests,
    )
    _subgroup(arith, reader, pending)
    return ballot


def _subgroup(arith: Arith, reader: Reader, pending: list[tuple[Any, str]] | None) -> None:
    if pending is None:
        arith.check_subgroup(reader.elements)
    else:
        pending += reader.elements


def ballot_files(directory: Path) -> tuple[list[Path], list[Path]]:
    """The encrypted ballot files (``encrypted_ballots/*/*.json``) and decrypted challenged ballots, sorted."""
    enc = directory / "encrypted_ballots"
    dec = directory / "challenged_ballots"
    ballots = sorted(p for p in enc.glob("*/*.json") if p.is_file()) if enc.is_dir() else []
    decrypted = sorted(p for p in dec.glob("*.json") if p.is_file()) if dec.is_dir() else []
    return ballots, decrypted


def load_record(directory: str | Path, arith: Arith | None = None, *, tallies: bool = True) -> Record:
    """Load and check the record's small files (ballots: :func:`ballot_files`, :func:`parse_ballot`); with
    ``tallies=False`` the two tally files are left for :func:`load_tallies` (the verifier reads them while its
    workers start on the ballots)."""
    directory = Path(directory)
    try:
        is_dir = directory.is_dir()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte…
        raise MalformedInput(f"{str(directory)[:200]}: cannot read the record directory ({exc})") from None
    if not is_dir:
        raise MalformedInput(f"{str(directory)[:200]}: not a directory")
    arith = arith or Arith()
    constants = _load_constants(directory)
    config = _load_config(directory)
    if config.chained:
        raise UnsupportedVersion(
            "election_config.json: the record chains confirmation codes (Verifications 7.D-7.G), which is not supported"
        )
    manifest = _load_manifest(directory)
    joint_key, h_e, guardians = _load_initialized(directory, arith, config.k)
    ballots, decrypted = ballot_files(directory)
    rec = Record(directory, constants, config, manifest, joint_key, h_e, guardians, ballots, decrypted)
    if tallies:
        load_tallies(rec, arith)
    return rec


def load_tallies(rec: Record, arith: Arith) -> None:
    """Read ``encrypted_tally.json`` and ``tally.json`` into ``rec``."""
    rec.encrypted_tally, rec.cast_ballot_ids, rec.encrypted_tally_election_id = _load_encrypted_tally(
        rec.directory, arith
    )
    rec.tally = parse_decrypted(file_bytes(rec.directory / "tally.json"), "tally.json", arith, challenged=False)
