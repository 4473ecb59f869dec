"""Tampering with the store: every changed byte, reordering, deletion or truncation is caught and named.

On SQLite the bytes are flipped in the file itself; on PostgreSQL in the
stored column values (the server's own files are its business).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from _stores import copy_ledger, is_pg, open_readonly, rows, sql, value

from zkmed.errors import LedgerError, VerificationError, ZkmedError
from zkmed.ledger.audit import audit_store
from zkmed.ledger.authorities import AuthorityChange, AuthoritySet
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.ledger import STORE_FILE, Ledger


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed ledger: 4 single-entry blocks, one 6-entry block, an authority change, 2 checkpoints."""
    d = tmp_path_factory.mktemp("pristine") / "ledger"
    with Ledger.init(d, authorities=3, threshold=2, name="tamper.example") as led:
        for i in range(4):
            led.append("ballot", f"ballot number {i:04d}".encode())
        led.checkpoint()
        led.append_batch([("ballot", f"batched ballot {i:04d}".encode()) for i in range(6)])
        change = AuthorityChange.create(
            led.ledger_id, 99, AuthoritySet.from_keys(led.keys, 3), led.state.authorities, led.keys
        )
        led.append("zkmed.authority-change", change.encode())
        led.checkpoint()
    return d


@pytest.fixture
def ledger_dir(pristine: Path, tmp_path: Path) -> Path:
    return copy_ledger(pristine, tmp_path / "copy")


def _verify(d: Path, against: str | None = None) -> None:
    store = open_readonly(d)
    try:
        audit_store(store, against)
    finally:
        store.close()


def _where(d: Path, against: str | None = None) -> str | None:
    with pytest.raises(VerificationError) as info:
        _verify(d, against)
    return info.value.where


_sql, _value = sql, value


def _split(d: Path, seq: int) -> tuple[bytes, bytes]:
    """Entry ``seq``'s stored row: (its Merkle nodes, its canonical bytes)."""
    record = _value(d, "SELECT record FROM entries WHERE seq = ?", (seq,))
    assert isinstance(record, bytes)
    split = 32 * ((seq + 1) & -(seq + 1)).bit_length()  # the leaf hash and one hash per trailing one bit
    return record[:split], record[split:]


def _flip_in_file(d: Path, needle: bytes, offset: int) -> None:
    path = d / STORE_FILE
    data = bytearray(path.read_bytes())
    at = data.find(needle)
    assert at >= 0 and data.find(needle, at + 1) < 0, "needle must occur exactly once in the file"
    data[at + offset] ^= 0x20
    path.write_bytes(bytes(data))


def _each_flip(pristine: Path, tmp_path: Path, needle: bytes, offsets: range) -> Iterator[tuple[int, Path]]:
    """For each offset: a store equal to ``pristine``'s except one flipped bit in ``needle``."""
    if is_pg(pristine):
        yield from _each_flip_pg(pristine, tmp_path, needle, offsets)
        return
    original = (pristine / STORE_FILE).read_bytes()
    at = original.find(needle)
    assert at >= 0 and original.find(needle, at + 1) < 0, "needle must occur exactly once in the file"
    d = tmp_path / "flipped"
    d.mkdir()
    for offset in offsets:
        data = bytearray(original)
        data[at + offset] ^= 0x20
        (d / STORE_FILE).write_bytes(bytes(data))
        yield offset, d


_COLUMNS = [("entries", "record", "seq"), ("blocks", "data", "height")]


def _each_flip_pg(pristine: Path, tmp_path: Path, needle: bytes, offsets: range) -> Iterator[tuple[int, Path]]:
    """PostgreSQL: the one stored value holding ``needle``, rewritten with one flipped bit per offset."""
    d = copy_ledger(pristine, tmp_path / "flipped")
    found = [
        (table, column, key, row)
        for table, column, key_column in _COLUMNS
        for key, row in rows(d, f"SELECT {key_column}, {column} FROM {table}")
        if needle in row
    ]
    assert len(found) == 1 and found[0][3].count(needle) == 1, "needle must occur exactly once in the store"
    table, column, key, original = found[0]
    at = original.find(needle)
    key_column = {"entries": "seq", "blocks": "height"}[table]
    for offset in offsets:
        data = bytearray(original)
        data[at + offset] ^= 0x20
        sql(d, f"UPDATE {table} SET {column} = ? WHERE {key_column} = ?", (bytes(data), key))
        yield offset, d


def test_pristine_copy_verifies(ledger_dir: Path) -> None:
    _verify(ledger_dir)


# -- every byte of stored entries and blocks, flipped in the file itself ------------------------


@pytest.mark.slow_on_postgresql
@pytest.mark.parametrize("seq", [0, 3, 4, 9, 10])
def test_every_entry_byte_flipped_in_the_file_is_named(pristine: Path, tmp_path: Path, seq: int) -> None:
    _, entry = _split(pristine, seq)
    for offset, d in _each_flip(pristine, tmp_path, entry, range(len(entry))):
        assert _where(d) == f"entry {seq}", f"byte {offset} of entry {seq}"


@pytest.mark.slow_on_postgresql
@pytest.mark.parametrize("seq", [1, 3, 5, 7, 10])
def test_every_stored_node_hash_byte_flipped_in_the_file_is_named(pristine: Path, tmp_path: Path, seq: int) -> None:
    """The Merkle nodes kept in an entry row (leaf hash and completed subtrees) are re-derived and compared."""
    nodes, _ = _split(pristine, seq)
    assert len(nodes) == {1: 64, 3: 96, 5: 64, 7: 128, 10: 32}[seq]
    for offset, d in _each_flip(pristine, tmp_path, nodes, range(len(nodes))):
        assert _where(d) == f"entry {seq}", f"byte {offset} of entry {seq}'s stored nodes"


def test_stored_node_damage_also_breaks_proofs_not_silently(ledger_dir: Path) -> None:
    """Proofs read the stored nodes; verify is what names damage, and a damaged node cannot verify."""
    _sql(ledger_dir, "UPDATE entries SET record = zeroblob(96) || substr(record, 97) WHERE seq = 3")
    assert _where(ledger_dir) == "entry 3"
    with Ledger.open(ledger_dir) as led:
        assert led.tree().root(4) != led.block(4).root


@pytest.mark.slow_on_postgresql
@pytest.mark.parametrize("height", [1, 5, 6])
def test_every_block_and_signature_byte_flipped_in_the_file_is_named(
    pristine: Path, tmp_path: Path, height: int
) -> None:
    block = _value(pristine, "SELECT data FROM blocks WHERE height = ?", (height,))
    assert isinstance(block, bytes)
    # header fields, the signature count, indices and all signature bytes
    step = 1 if height == 6 else 3
    for offset, d in _each_flip(pristine, tmp_path, block, range(height % step, len(block), step)):
        assert _where(d) == f"block {height}", f"byte {offset} of block {height}"


@pytest.mark.slow_on_postgresql
def test_genesis_block_bytes_are_covered(pristine: Path, tmp_path: Path) -> None:
    block = _value(pristine, "SELECT data FROM blocks WHERE height = 0")
    assert isinstance(block, bytes)
    for _, d in _each_flip(pristine, tmp_path, block, range(0, len(block), 5)):
        assert _where(d) == "block 0"


# -- derived columns and other tables ---------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "where"),
    [
        ("UPDATE blocks SET hash = zeroblob(32) WHERE height = 3", "block 3"),
        ("UPDATE blocks SET tree_size = 1000 WHERE height = 3", "block 3"),
        # an entry row: its leaf hash and the subtrees it completed (entry 7: 4 hashes), then its bytes
        ("UPDATE entries SET record = zeroblob(128) || substr(record, 129) WHERE seq = 7", "entry 7"),
        (
            "UPDATE entries SET record = substr(record, 1, 96) || zeroblob(32) || substr(record, 129) WHERE seq = 7",
            "entry 7",
        ),
        ("UPDATE entries SET record = substr(record, 1, 64) || substr(record, 129) WHERE seq = 7", "entry 7"),
        ("UPDATE entries SET record = substr(record, 33) WHERE seq = 7", "entry 7"),
        ("UPDATE entries SET record = zeroblob(32) || record WHERE seq = 6", "entry 6"),
        ("UPDATE entries SET record = substr(record, 1, 32) WHERE seq = 6", "entry 6"),
        ("UPDATE entries SET record = x'' WHERE seq = 4", "entry 4"),
        (
            "UPDATE entries SET record = (SELECT substr(record, 1, 64) FROM entries WHERE seq = 5) || substr(record, 65) WHERE seq = 9",
            "entry 9",
        ),
        (
            "UPDATE entries SET record = (SELECT substr(record, 1, 64) FROM entries WHERE seq = 9) || substr(record, 65) WHERE seq = 5",
            "entry 5",
        ),
        ("UPDATE entries SET record = 'text' WHERE seq = 10", "entry 10"),
        pytest.param(
            "UPDATE entries SET record = 7 WHERE seq = 0", "entry 0", marks=pytest.mark.sqlite_only
        ),  # PostgreSQL refuses an integer in a bytea column
        ("UPDATE blocks SET data = 'text' WHERE height = 2", "block 2"),
        ("UPDATE checkpoints SET text = replace(text, 'tamper', 'tamp3r') WHERE id = 1", "checkpoint 1"),
        ("UPDATE checkpoints SET tree_size = 3 WHERE id = 2", "checkpoint 2"),
        ("DELETE FROM authority_changes", "entry 10"),
        ("INSERT INTO authority_changes(seq) VALUES (2)", "entry 2"),
    ],
)
def test_tampered_columns_are_named(ledger_dir: Path, statement: str, where: str) -> None:
    _sql(ledger_dir, statement)
    assert _where(ledger_dir) == where


@pytest.mark.slow_on_postgresql
def test_checkpoint_signature_bytes(ledger_dir: Path) -> None:
    text = _value(ledger_dir, "SELECT text FROM checkpoints WHERE id = 1")
    assert isinstance(text, str)
    lines = text.split("\n")
    sig_at = len("\n".join(lines[:4])) + 1
    for offset in range(sig_at, len(text) - 1, 5):  # names, key IDs, timestamps and signatures of every line
        mutated = text[:offset] + ("A" if text[offset] != "A" else "B") + text[offset + 1 :]
        _sql(ledger_dir, "UPDATE checkpoints SET text = ? WHERE id = 1", (mutated,))
        assert _where(ledger_dir) == "checkpoint 1", f"offset {offset}"


# -- reordering, deleting, truncating ------------------------------------------------------------


def test_swapped_entries(ledger_dir: Path) -> None:
    (nodes5, data5), (nodes6, data6) = _split(ledger_dir, 5), _split(ledger_dir, 6)
    _sql(ledger_dir, "UPDATE entries SET record = ? WHERE seq = 5", (nodes5 + data6,))
    _sql(ledger_dir, "UPDATE entries SET record = ? WHERE seq = 6", (nodes6 + data5,))
    assert _where(ledger_dir) == "entry 5"


def test_swapped_entry_rows(ledger_dir: Path) -> None:
    a = _value(ledger_dir, "SELECT record FROM entries WHERE seq = 5")
    b = _value(ledger_dir, "SELECT record FROM entries WHERE seq = 6")
    _sql(ledger_dir, "UPDATE entries SET record = ? WHERE seq = 5", (b,))
    _sql(ledger_dir, "UPDATE entries SET record = ? WHERE seq = 6", (a,))
    assert _where(ledger_dir) == "entry 5"


def test_entry_moved_to_another_position(ledger_dir: Path) -> None:
    _sql(ledger_dir, "UPDATE entries SET seq = 100 WHERE seq = 7")
    assert _where(ledger_dir) == "entry 7"


def test_swapped_blocks(ledger_dir: Path) -> None:
    a = _value(ledger_dir, "SELECT data FROM blocks WHERE height = 2")
    b = _value(ledger_dir, "SELECT data FROM blocks WHERE height = 3")
    _sql(ledger_dir, "UPDATE blocks SET data = ? WHERE height = 2", (b,))
    _sql(ledger_dir, "UPDATE blocks SET data = ? WHERE height = 3", (a,))
    assert _where(ledger_dir) == "block 2"


@pytest.mark.parametrize(
    ("statement", "where"),
    [
        ("DELETE FROM entries WHERE seq = 6", "entry 6"),
        ("DELETE FROM entries WHERE seq >= 8", "entry 8"),
        ("DELETE FROM blocks WHERE height = 2", "block 2"),
        ("DELETE FROM blocks WHERE height = 6", "entry 10"),  # entries left without their block
        ("DELETE FROM blocks WHERE height = 0", "block 0"),
        ("INSERT INTO entries(seq, record) VALUES (11, zeroblob(32) || x'00')", "entry 11"),
        ("UPDATE entries SET seq = -1 WHERE seq = 0", "entry 0"),
        ("INSERT INTO entries(seq, record) VALUES (-5, zeroblob(32) || x'00')", "entry 0"),
        ("UPDATE blocks SET height = -1 WHERE height = 3", "block 0"),
    ],
)
def test_deletions_and_insertions(ledger_dir: Path, statement: str, where: str) -> None:
    _sql(ledger_dir, statement)
    assert _where(ledger_dir) == where


def test_consistent_truncation_is_caught_by_any_checkpoint_held_elsewhere(ledger_dir: Path) -> None:
    held = _value(ledger_dir, "SELECT text FROM checkpoints WHERE id = 2")
    assert isinstance(held, str)
    # a careful attacker removes the last block, its entries, its index rows and the checkpoint that covered them
    _sql(ledger_dir, "DELETE FROM blocks WHERE height = 6")
    _sql(ledger_dir, "DELETE FROM entries WHERE seq = 10")
    _sql(ledger_dir, "DELETE FROM authority_changes")
    _sql(ledger_dir, "DELETE FROM checkpoints WHERE id = 2")
    _verify(ledger_dir)  # the store alone is a valid, shorter ledger...
    assert _where(ledger_dir, held) == "the checkpoint you gave"  # ...but not the one the auditor saw


def test_rewritten_history_is_caught_by_a_held_checkpoint(tmp_path: Path) -> None:
    keys = [AuthorityKey.generate(f"rw/{i}") for i in range(2)]
    a = Ledger.init(tmp_path / "a", keys=keys, threshold=2, name="rw", write_keys=False)
    a.append("t", b"original")
    held = a.checkpoint().text()
    a.close()
    # the same authorities sign a different history (equivocation): the held checkpoint no longer matches
    copy_ledger(tmp_path / "a", tmp_path / "b")
    _sql(tmp_path / "b", "DELETE FROM entries")
    _sql(tmp_path / "b", "DELETE FROM blocks WHERE height > 0")
    _sql(tmp_path / "b", "DELETE FROM checkpoints")
    with Ledger.open(tmp_path / "b", writable=True) as b:
        b.keys.extend(keys)
        b.append("t", b"rewritten")
    assert _where(tmp_path / "b", held) == "the checkpoint you gave"


# -- random damage anywhere in the file: never a crash, never a silent pass when data changed ----------


def _random_flips(path: Path, seed: int) -> Iterator[int]:
    rng = random.Random(seed)
    size = path.stat().st_size
    for _ in range(40):
        yield rng.randrange(size)


def test_random_byte_damage_raises_only_zkmed_errors(pristine: Path, tmp_path: Path) -> None:
    if is_pg(pristine):
        return _random_value_damage_is_named(pristine, tmp_path)
    original = (pristine / STORE_FILE).read_bytes()
    d = tmp_path / "r"
    d.mkdir()
    for offset in _random_flips(pristine / STORE_FILE, 1234):
        data = bytearray(original)
        data[offset] ^= 0xFF
        (d / STORE_FILE).write_bytes(bytes(data))
        try:
            _verify(d)
        except (VerificationError, LedgerError):
            pass
        except ZkmedError as exc:  # pragma: no cover - reported with its type
            pytest.fail(f"offset {offset}/{len(original)}: unexpected {type(exc).__name__}: {exc}")


def _random_value_damage_is_named(pristine: Path, tmp_path: Path) -> None:
    """PostgreSQL: a random byte of a random stored block or entry value flipped: verify names that row."""
    rng = random.Random(4321)
    d = copy_ledger(pristine, tmp_path / "r")
    stored = [
        (table, column, key_column, key, data, f"{'entry' if table == 'entries' else 'block'} {key}")
        for table, column, key_column in _COLUMNS
        for key, data in rows(d, f"SELECT {key_column}, {column} FROM {table}")
    ]
    for _ in range(40):
        table, column, key_column, key, data, where = rng.choice(stored)
        offset = rng.randrange(len(data))
        damaged = bytearray(data)
        damaged[offset] ^= 0xFF
        sql(d, f"UPDATE {table} SET {column} = ? WHERE {key_column} = ?", (bytes(damaged), key))
        assert _where(d) == where, f"{where} byte {offset}"
        sql(d, f"UPDATE {table} SET {column} = ? WHERE {key_column} = ?", (data, key))
