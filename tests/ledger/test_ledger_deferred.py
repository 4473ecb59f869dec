"""Deferred sealing: pending entries, when blocks get sealed, what verify and sync do with a pending tail."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from _stores import open_readonly, rows, sql, value

from zkmed.errors import LedgerError, MalformedInput, VerificationError
from zkmed.ledger import merkle
from zkmed.ledger.audit import VERIFY_STEPS, AuditReport, audit_store
from zkmed.ledger.authorities import AUTHORITY_CHANGE_TYPE, AuthorityChange, AuthoritySet
from zkmed.ledger.entries import Entry
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.ledger import Ledger, SealPolicy
from zkmed.ledger.receipt import verify_receipt
from zkmed.ledger.rows import encode_rows
from zkmed.ledger.sync import StoreSource, sync
from zkmed.ledger.tree import Frontier

KEYS = [AuthorityKey.generate(f"deferred.example/authority-{i}") for i in range(3)]
LAZY = SealPolicy(max_entries=1000, max_delay_ms=10**9)  # seals only when asked (or at 1000 entries)


class Clock:
    """An injectable clock (ms) that tests move by hand."""

    def __init__(self, now: int = 1_700_000_000_000) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def _init(d: Path, policy: SealPolicy | None = LAZY, clock: Clock | None = None) -> Ledger:
    return Ledger.init(d, keys=KEYS, threshold=2, name="deferred.example", seal_policy=policy, clock=clock)


def _crash(led: Ledger) -> None:
    """Drop a handle the way a killed process does: no sealing on the way out."""
    led.store.close()


def _report(d: Path) -> AuditReport:
    store = open_readonly(d)
    try:
        return audit_store(store)
    finally:
        store.close()


def _where(d: Path) -> str | None:
    with pytest.raises(VerificationError) as info:
        _report(d)
    return info.value.where


_sql = sql


def _record(d: Path, seq: int) -> bytes:
    record = value(d, "SELECT record FROM entries WHERE seq = ?", (seq,))
    assert isinstance(record, bytes)
    return record


def _nodes(seq: int) -> int:
    return 32 * ((seq + 1) & -(seq + 1)).bit_length()


def _rows(d: Path) -> list[tuple[int, bytes]]:
    return rows(d, "SELECT seq, record FROM entries ORDER BY seq")


# -- the policy and the Appended result ------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs", [{"max_entries": 0}, {"max_entries": True}, {"max_delay_ms": -1}, {"max_entries": 1.5}]
)
def test_bad_policies_are_refused(kwargs: dict) -> None:
    with pytest.raises(MalformedInput):
        SealPolicy(**kwargs)


def test_bad_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MalformedInput, match="seal_policy"):
        _init(tmp_path / "l", policy=1000)  # type: ignore[arg-type]
    with _init(tmp_path / "m") as led, pytest.raises(MalformedInput, match="seal must be"):
        led.append("t", b"x", seal="yes")  # type: ignore[arg-type]


def test_pending_appends_are_durable_and_covered_by_the_next_block(tmp_path: Path) -> None:
    d = tmp_path / "l"
    led = _init(d, SealPolicy(max_entries=5, max_delay_ms=10**9))
    done = [led.append("ballot", f"b{i}".encode()) for i in range(3)]
    assert [a.seq for a in done] == [0, 1, 2]
    assert all(not a.sealed and (a.height, a.tree_size, a.root) == (None, None, None) for a in done)
    assert (led.height, led.size, led.pending) == (0, 0, 3)
    assert led.entry(2).payload == b"b2"  # readable while pending
    _crash(led)
    with Ledger.open(d) as reader:
        assert (reader.height, reader.size, reader.pending) == (0, 0, 3)
    again = Ledger.open(d, signing=True, seal_policy=SealPolicy(max_entries=5, max_delay_ms=10**9))
    assert again.pending == 3
    assert not again.append("ballot", b"b3").sealed
    sealed = again.append("ballot", b"b4")  # the fifth pending entry: due
    assert sealed.sealed and (sealed.seq, sealed.height, sealed.tree_size) == (4, 1, 5)
    data = [again.store.entry(i) for i in range(5)]
    assert sealed.root == merkle.root(data) == again.block(1).root  # type: ignore[arg-type]
    assert (again.pending, again.size) == (0, 5)
    again.close()
    report = _report(d)
    assert (report.blocks, report.entries, report.pending) == (2, 5, 0)


def test_auto_seal_after_max_delay(tmp_path: Path) -> None:
    clock = Clock()
    start = clock.now
    led = _init(tmp_path / "l", SealPolicy(max_entries=100, max_delay_ms=1000), clock)
    assert not led.append("t", b"a").sealed  # the oldest pending entry: written at start
    clock.now = start + 999
    assert not led.append("t", b"b").sealed
    clock.now = start + 1000
    done = led.append("t", b"c")
    assert done.sealed and done.tree_size == 3 and led.block(1).time_ms == start + 1000
    clock.now = start + 1500
    assert not led.append("t", b"d").sealed  # a new pending run starts now
    clock.now = start + 2499
    assert not led.append_batch([("t", b"e"), ("t", b"f")]).sealed
    clock.now = start + 2500
    assert led.append("t", b"g").tree_size == 7
    led.close()


def test_auto_seal_at_max_entries_counts_every_pending_entry(tmp_path: Path) -> None:
    led = _init(tmp_path / "l", SealPolicy(max_entries=10, max_delay_ms=10**9), Clock())
    assert not led.append_batch([("t", b"x")] * 9).sealed
    done = led.append_batch([("t", b"y")] * 3)  # 12 pending: one block over all of them
    assert done.sealed and (done.first_seq, done.count, done.tree_size) == (9, 3, 12)
    assert led.append_batch([("t", b"z")] * 10).tree_size == 22  # a batch alone can fill the quota
    led.close()


def test_a_reopened_ledger_dates_found_pending_entries_by_the_head_block(tmp_path: Path) -> None:
    clock = Clock()
    d = tmp_path / "l"
    led = _init(d, SealPolicy(max_entries=100, max_delay_ms=1000), clock)
    led.append("t", b"sealed", seal=True)
    head_time = led.block(1).time_ms
    clock.now += 300
    led.append("t", b"pending")
    _crash(led)
    # the reopened handle cannot know when "pending" was written; it was after the head block
    clock.now = head_time + 999
    again = Ledger.open(d, signing=True, seal_policy=SealPolicy(max_entries=100, max_delay_ms=1000), clock=clock)
    assert not again.append("t", b"later").sealed
    clock.now = head_time + 1000
    assert again.append("t", b"due").tree_size == 4
    again.close()


def test_forced_and_skipped_seals(tmp_path: Path) -> None:
    led = _init(tmp_path / "l", policy=None)  # the default: seal every append …
    assert not led.append("t", b"a", seal=False).sealed  # … unless told not to
    assert not led.append_batch([("t", b"b"), ("t", b"c")], seal=False).sealed
    assert led.pending == 3 and led.height == 0
    done = led.append("t", b"d")  # a default append seals the pending entries with its own
    assert (done.height, done.tree_size, done.first_seq) == (1, 4, 3)
    assert led.seal() is None  # nothing pending
    deferred = Ledger.open(led.directory, signing=True, seal_policy=LAZY)
    assert not deferred.append("t", b"e").sealed
    assert deferred.append("t", b"f", seal=True).tree_size == 6
    deferred.append_batch([("t", b"g")] * 4)
    sealed = deferred.seal()
    assert sealed is not None and (sealed.first_seq, sealed.count, sealed.height, sealed.tree_size) == (6, 4, 3, 10)
    assert deferred.seal() is None
    deferred.close()
    led.close()
    assert _report(led.directory).entries == 10


def test_an_authority_change_is_sealed_at_once(tmp_path: Path) -> None:
    led = _init(tmp_path / "l")
    led.append_batch([("t", b"a"), ("t", b"b")])
    new_keys = [AuthorityKey.generate(f"deferred.example/new-{i}") for i in range(3)]
    new_set = AuthoritySet.from_keys(new_keys, 2)
    done = led.change_authorities(new_set, effective_height=3)
    assert done.sealed and (done.seq, done.height, done.tree_size) == (2, 1, 3)  # the pending entries too
    assert led.pending == 0
    change = AuthorityChange.create(led.ledger_id, 9, new_set, led.state.authorities, led.keys)
    led.append("t", b"c")
    with pytest.raises(MalformedInput, match="always sealed at once"):
        led.append(AUTHORITY_CHANGE_TYPE, change.encode(), seal=False)
    assert (led.pending, led.size) == (1, 3)  # nothing written by the refused append
    led.seal()  # block 2, still the old set; from height 3 on the new set signs
    assert led.policy().authorities == led.state.authorities
    led.keys += new_keys
    led.append("t", b"d")
    assert led.seal() is not None and led.block(3).authority_set_hash == new_set.hash()
    led.close()
    assert _report(led.directory).blocks == 4


# -- checkpoints, receipts and close only ever cover sealed entries ---------------------------------


def test_checkpoints_and_proofs_seal_first(tmp_path: Path) -> None:
    led = _init(tmp_path / "l")
    led.append_batch([("t", f"{i}".encode()) for i in range(3)])
    assert led.size == 0
    cp = led.checkpoint()
    assert cp.checkpoint.tree_size == 3 and (led.size, led.pending) == (3, 0)
    led.append_batch([("t", b"3"), ("t", b"4")])
    receipt = led.prove_inclusion(4)  # a pending entry: sealed first, then proven
    verify_receipt(receipt, led.policy(), Entry(4, "t", b"4").encode())
    assert (led.size, led.pending, led.height) == (5, 0, 2)
    led.append("t", b"5")
    assert led.prove_inclusion(1).index == 1 and led.pending == 1  # a sealed entry needs no seal
    proof = led.prove_consistency(3, 6)  # size 6 is pending: sealed first
    assert proof and led.size == 6
    led.append("t", b"6")
    assert led.checkpoint(2).checkpoint.tree_size == 2 and led.pending == 1  # an older size: nothing to seal
    led.close()


def test_keyless_handles_cannot_prove_pending_entries(tmp_path: Path) -> None:
    led = _init(tmp_path / "l")
    led.append("t", b"a", seal=True)
    led.checkpoint()
    led.append("t", b"b")
    with Ledger.open(led.directory, writable=True) as reader:
        assert reader.prove_inclusion(0).index == 0
        with pytest.raises(LedgerError, match="pending"):
            reader.prove_inclusion(1)
        with pytest.raises(LedgerError, match="no authority keys"):
            reader.seal()
        assert reader.pending == 1
    led.close()


def test_close_seals_what_is_pending(tmp_path: Path) -> None:
    led = _init(tmp_path / "l")
    led.append_batch([("t", b"a"), ("t", b"b")])
    with Ledger.open(led.directory) as reader:  # a read-only handle never seals
        assert reader.pending == 2
    led.close()
    led.close()  # closing twice is harmless
    with Ledger.open(led.directory) as reader:
        assert (reader.pending, reader.size, reader.height) == (0, 2, 1)


def test_a_default_handle_seals_a_pending_tail_another_handle_left(tmp_path: Path) -> None:
    deferred = _init(tmp_path / "l")
    deferred.append_batch([("t", b"a"), ("t", b"b")])
    with Ledger.open(deferred.directory, signing=True) as plain:
        done = plain.append("t", b"c")
        assert (done.first_seq, done.height, done.tree_size) == (2, 1, 3)
    assert not deferred.append("t", b"d").sealed  # the deferred handle catches up: entry 3, after block 1
    assert deferred.seal() is not None and deferred.size == 4
    deferred.close()
    assert _report(deferred.directory).entries == 4


def test_two_deferred_handles_share_one_pending_tail(tmp_path: Path) -> None:
    a = _init(tmp_path / "l")
    b = Ledger.open(a.directory, signing=True, seal_policy=LAZY)
    assert a.append("t", b"a0").seq == 0
    assert b.append_batch([("t", b"b0"), ("t", b"b1")]).first_seq == 1  # b replays a's pending row first
    assert a.append("t", b"a1").seq == 3
    sealed = b.seal()
    assert sealed is not None and (sealed.first_seq, sealed.count) == (0, 4)
    assert a.pending == 0 and a.size == 4
    a.append("t", b"a2")
    a.close()
    b.close()
    report = _report(a.directory)
    assert (report.entries, report.pending, report.blocks) == (5, 0, 3)


# -- verify with a pending tail -------------------------------------------------------------------


@pytest.fixture
def tailed(tmp_path: Path) -> Path:
    """A closed-by-crash ledger: 2 blocks (entries 0–4) and a pending tail, entries 5–11."""
    d = tmp_path / "l"
    led = _init(d)
    led.append_batch([("ballot", f"sealed {i}".encode()) for i in range(3)], seal=True)
    led.append_batch([("ballot", f"sealed {i}".encode()) for i in range(3, 5)], seal=True)
    led.checkpoint()
    for i in range(5, 12):
        led.append("ballot", f"pending ballot {i:02d}".encode())
    _crash(led)
    return d


def test_verify_passes_with_a_pending_tail_and_counts_it(tailed: Path) -> None:
    report = _report(tailed)
    assert (report.blocks, report.entries, report.pending, report.checkpoints) == (3, 5, 7, 1)
    assert "pending" in dict(VERIFY_STEPS)["S6"]


@pytest.mark.parametrize("seq", [5, 6, 7, 10, 11])
def test_a_changed_pending_entry_is_named_by_its_recorded_leaf_hash(tailed: Path, seq: int) -> None:
    record = _record(tailed, seq)
    changed = record.replace(b"pending ballot", b"PENDING ballot")
    _sql(tailed, "UPDATE entries SET record = ? WHERE seq = ?", (changed, seq))
    assert _where(tailed) == f"entry {seq}"


@pytest.mark.parametrize("seq", [5, 7, 11])
def test_damaged_node_hashes_of_a_pending_entry_are_named(tailed: Path, seq: int) -> None:
    record = _record(tailed, seq)
    for offset in range(0, _nodes(seq), 32):  # the leaf hash, then each interior node the entry completed
        damaged = record[:offset] + bytes(32) + record[offset + 32 :]
        _sql(tailed, "UPDATE entries SET record = ? WHERE seq = ?", (damaged, seq))
        assert _where(tailed) == f"entry {seq}", offset
    _sql(tailed, "UPDATE entries SET record = ? WHERE seq = ?", (record, seq))
    assert _report(tailed).pending == 7


@pytest.mark.parametrize(
    ("statement", "where"),
    [
        ("DELETE FROM entries WHERE seq = 8", "entry 8"),  # a gap in the tail
        ("DELETE FROM entries WHERE seq = 5", "entry 5"),
        ("UPDATE entries SET record = x'' WHERE seq = 9", "entry 9"),
        ("UPDATE entries SET record = 'text' WHERE seq = 9", "entry 9"),
        ("INSERT INTO entries(seq, record) VALUES (13, zeroblob(32) || x'00')", "entry 12"),
        ("INSERT INTO entries(seq, record) VALUES (12, zeroblob(32) || x'00')", "entry 12"),
    ],
)
def test_pending_rows_are_still_checked(tailed: Path, statement: str, where: str) -> None:
    _sql(tailed, statement)
    assert _where(tailed) == where


def test_a_pending_authority_change_is_refused(tailed: Path) -> None:
    with Ledger.open(tailed) as led:  # read-only: the keys are the test's own
        change = AuthorityChange.create(led.ledger_id, 9, AuthoritySet.from_keys(KEYS, 3), led.state.authorities, KEYS)
    data = Entry(12, AUTHORITY_CHANGE_TYPE, change.encode()).encode()
    frontier = Frontier.load(open_readonly(tailed), 12)
    record = frontier.extend_data([data])[0] + data
    _sql(tailed, "INSERT INTO entries(seq, record) VALUES (12, ?)", (record,))
    assert _where(tailed) == "entry 12"
    led = Ledger.open(tailed, signing=True)
    with pytest.raises(LedgerError, match="entry 12"):
        led.seal()
    with pytest.raises(LedgerError, match="entry 12"):
        led.close()  # close tries to seal too, and says why it could not; the store is closed all the same


def test_what_a_pending_tail_does_not_protect(tailed: Path) -> None:
    """Before sealing nothing signed covers pending rows: a consistent rewrite or a cut at the end passes verify."""
    seq = 11  # the last entry; it completed (0, 11), (1, 5), (2, 2)
    record = _record(tailed, seq)
    forged = Entry(seq, "ballot", b"a forged ballot").encode()
    frontier = Frontier.load(open_readonly(tailed), seq)
    _sql(tailed, "UPDATE entries SET record = ? WHERE seq = ?", (frontier.extend_data([forged])[0] + forged, seq))
    assert _report(tailed).pending == 7  # undetectable by the store alone
    _sql(tailed, "UPDATE entries SET record = ? WHERE seq = ?", (record, seq))
    _sql(tailed, "DELETE FROM entries WHERE seq >= 10")
    assert _report(tailed).pending == 5  # truncating the tail is too (as is truncating blocks, see the docs)


def test_sealing_refuses_a_damaged_pending_tail(tailed: Path) -> None:
    record = _record(tailed, 7)
    _sql(tailed, "UPDATE entries SET record = ? WHERE seq = 7", (record.replace(b"pending", b"PENDING"),))
    led = Ledger.open(tailed, signing=True, seal_policy=LAZY)
    with pytest.raises(LedgerError, match="pending entry 7"):
        led.seal()
    with pytest.raises(LedgerError, match="pending entry 7"):
        led.append("t", b"more")
    assert (led.height, led.size, led.pending) == (2, 5, 7)  # nothing written
    with pytest.raises(LedgerError, match="pending entry 7"), led:  # leaving the block tries to seal
        pass
    assert _where(tailed) == "entry 7"


def test_damage_after_the_writer_hashed_a_row_is_named_once_sealed(tmp_path: Path) -> None:
    led = _init(tmp_path / "l")
    led.append_batch([("t", f"row {i}".encode()) for i in range(4)])
    record = _record(led.directory, 2)
    _sql(led.directory, "UPDATE entries SET record = ? WHERE seq = 2", (record.replace(b"row 2", b"row X"),))
    led.seal()  # signs the root over the leaf hashes it computed when it wrote the rows
    led.close()
    assert _where(led.directory) == "entry 2"


# -- sync copies sealed blocks only ---------------------------------------------------------------


def test_sync_ignores_the_pending_tail(tmp_path: Path) -> None:
    src = _init(tmp_path / "src")
    src.append_batch([("t", b"a"), ("t", b"b")], seal=True)
    src.append_batch([("t", b"c"), ("t", b"d")])
    genesis = src.store.block(0)
    assert genesis is not None
    dst = Ledger.create_replica(tmp_path / "dst", genesis)
    report = sync(StoreSource(src.store), dst)
    assert (report.blocks, report.entries, dst.size, dst.pending) == (1, 2, 2, 0)
    src.seal()
    report = sync(StoreSource(src.store), dst)
    assert (report.blocks, report.entries, dst.size) == (1, 2, 4)
    assert dst.state.head_hash == src.state.head_hash
    src.close()
    dst.close()


def test_sync_refuses_a_destination_with_pending_entries(tmp_path: Path) -> None:
    src = _init(tmp_path / "src")
    src.append("t", b"a", seal=True)
    genesis = src.store.block(0)
    assert genesis is not None
    Ledger.create_replica(tmp_path / "dst", genesis).close()
    holder = Ledger.open(tmp_path / "dst", keys=KEYS, seal_policy=LAZY)  # a keyed copy that appended on its own
    holder.append("t", b"mine")
    with pytest.raises(LedgerError, match="1 pending entries of its own"):
        sync(StoreSource(src.store), holder)
    assert holder.height == 0
    src.close()
    holder.store.close()


# -- the rows written: the same bytes whichever way they are sealed ---------------------------------


def test_stored_rows_do_not_depend_on_the_sealing_mode(tmp_path: Path) -> None:
    items = [("ballot", os.urandom(i % 200)) for i in range(300)]
    every = Ledger.init(tmp_path / "a", keys=KEYS, threshold=2, name="rows.example")
    for i in range(0, 300, 7):
        every.append_batch(items[i : i + 7])
    every.close()
    deferred = Ledger.init(tmp_path / "b", keys=KEYS, threshold=2, name="rows.example", seal_policy=LAZY)
    i = 0
    for size in (13, 150, 1, 64, 72):  # across the store's 64-row INSERT chunks
        deferred.append_batch(items[i : i + size])
        i += size
    deferred.close()
    rows_a, rows_b = _rows(tmp_path / "a"), _rows(tmp_path / "b")
    assert rows_a == rows_b and len(rows_a) == 300
    # and they are exactly nodes ‖ entry bytes as the separate reference functions build them
    data = [Entry(i, t, p).encode() for i, (t, p) in enumerate(items)]
    nodes = Frontier().extend_data(data)
    assert [r for _, r in rows_a] == [n + e for n, e in zip(nodes, data, strict=True)]


@pytest.mark.parametrize("start", [0, 1, 6, 7, 1023, 4096])
def test_encode_rows_equals_the_reference_functions(start: int) -> None:
    frontier = Frontier()
    frontier.extend([hashlib.sha256(b"%d" % i).digest() for i in range(start)])
    types = ["a", "ballot", "consent/grant", "ballot"]
    items = [(types[i % 4], os.urandom(i * 37 % 300)) for i in range(150)]
    odd: list = [
        (t, bytearray(p)) if i % 5 == 0 else (t, memoryview(p)) if i % 7 == 0 else (t, p)
        for i, (t, p) in enumerate(items)
    ]
    rows = encode_rows(frontier, odd)
    data = [Entry(start + i, t, p).encode() for i, (t, p) in enumerate(items)]
    reference = frontier.copy()
    nodes = reference.extend_data(data)
    assert (rows.entries, rows.nodes) == (data, nodes)
    assert (rows.first_seq, rows.count, rows.changes) == (start, 150, [])
    assert rows.frontier.size == reference.size and rows.frontier.root() == reference.root()
    assert frontier.size == start  # the frontier passed in is not changed


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], "nothing to append"),
        ([("t", b"x"), ["t", b"y"]], "item 1: expected a (type, payload) pair"),
        ([("t", b"x"), ("t", b"y", b"z")], "item 1: expected a (type, payload) pair"),
        ([("t", b"x"), ("Bad", b"y")], "entry type 'Bad' must be"),
        ([("t", b"x"), (7, b"y")], "entry type 7 must be"),
        ([("t", b"x"), ("zkmed.other", b"y")], "item 1: entry types starting with 'zkmed.' are reserved"),
        ([("t", b"x"), ("t", "text")], "entry payload must be bytes, got str"),
        ([("t", b"x" * ((1 << 20) + 1))], "exceeds"),
        ([(AUTHORITY_CHANGE_TYPE, b"junk")], "authority change version"),
    ],
)
def test_encode_rows_refuses_bad_items(items: list, message: str) -> None:
    with pytest.raises(MalformedInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        encode_rows(Frontier(), items)


def test_bad_items_write_nothing_in_deferred_mode(tmp_path: Path) -> None:
    led = _init(tmp_path / "l")
    led.append("t", b"ok")
    for bad in ([("t", b"x"), ("Bad Type", b"y")], [("t", b"x"), ("t", None)]):
        with pytest.raises(MalformedInput):
            led.append_batch(bad)
    assert led.pending == 1 and led.append("t", b"next").seq == 1
    led.close()
    assert _report(led.directory).entries == 2


# -- the CLI ------------------------------------------------------------------------------------------


def test_cli_shows_verifies_and_seals_pending_entries(tailed: Path) -> None:
    from click.testing import CliRunner

    from zkmed.canonical_json import parse_json
    from zkmed.cli.ledger import ledger

    def run(*args: object) -> str:
        result = CliRunner().invoke(ledger, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    info = parse_json(run("show", tailed, "--json"))
    assert (info["entries"], info["pending"], info["height"]) == (5, 7, 2)
    assert [(e["seq"], e["sealed"]) for e in info["recent_entries"]] == [(s, s < 5) for s in range(2, 12)]
    assert "pending entries" in run("show", tailed)
    out = run("verify", tailed)
    assert "verified 3 blocks, 5 entries" in out and "7 pending entries after block 2" in out
    assert "sealed 7 pending entries (5 … 11) in block 3; tree size 12" in run("seal", tailed)
    assert "nothing pending; the head is block 3" in run("seal", tailed)
    out = run("verify", tailed)
    assert "verified 4 blocks, 12 entries" in out and "pending entries after" not in out
    assert "entry 12 appended in block 4" in run("append", tailed, "sealed at once")
