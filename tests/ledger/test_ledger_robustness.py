"""Issue #10 regressions: hostile text, huge indices, unwritable paths, a damaged schema, crafted proof files."""

from __future__ import annotations

import ast
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from _stores import is_pg, open_readonly, url
from click.testing import CliRunner, Result

from zkmed.cli.ledger import ledger as ledger_cli
from zkmed.errors import LedgerError, MalformedInput, VerificationError, ZkmedError
from zkmed.ledger.audit import audit_directory
from zkmed.ledger.checkpoint import SignedCheckpoint, TrustPolicy
from zkmed.ledger.fork import ForkEvidence
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.ledger import STORE_FILE, Ledger
from zkmed.ledger.note import SignedNote, parse_vkey
from zkmed.ledger.receipt import ConsistencyProof, TlogProof
from zkmed.ledger.store import Store

KEYS = [AuthorityKey.from_seed(f"robust.example/authority-{i}", bytes([i]) * 32) for i in range(1, 4)]
CLOCK = 1_700_000_000_000


@pytest.fixture
def d(tmp_path: Path) -> Path:
    with Ledger.init(tmp_path / "l", keys=KEYS, threshold=2, name="robust.example", clock=lambda: CLOCK) as led:
        for i in range(3):
            led.append("ballot", b"ballot %d" % i)
        led.checkpoint()
    return tmp_path / "l"


def run(*args: object) -> Result:
    return CliRunner().invoke(ledger_cli, [str(a) for a in args], catch_exceptions=True)


def _clean_failure(result: Result, *codes: int) -> ZkmedError:
    """A ZkmedError with one of ``codes`` as exit code, never a traceback."""
    exc = result.exception
    assert isinstance(exc, ZkmedError), f"{type(exc).__name__}: {exc}\n{result.output}"
    assert exc.exit_code in codes, exc
    assert "\n" not in exc.diagnostic()
    return exc


# -- lone surrogates in every text parser -------------------------------------------------------

SURROGATE = "\ud800"


def _policy_text(d: Path) -> str:
    return (d / "authorities.txt").read_text()


@pytest.mark.parametrize(
    "parse",
    [
        SignedNote.parse,
        SignedCheckpoint.parse,
        TrustPolicy.parse,
        parse_vkey,
        AuthorityKey.parse_file_text,
        TlogProof.parse,
        ConsistencyProof.parse,
        ForkEvidence.parse,
    ],
)
def test_text_parsers_refuse_lone_surrogates(parse: Callable[[str], object], d: Path) -> None:
    for text in (SURROGATE, "abc" + SURROGATE + "\n\n— x AAAA\n", "{}" + SURROGATE, "\udcff" * 3):
        with pytest.raises(MalformedInput):
            parse(text)


def test_surrogates_inside_otherwise_valid_texts(d: Path) -> None:
    policy = _policy_text(d)
    with pytest.raises(MalformedInput):
        TrustPolicy.parse(policy.replace("origin robust", "origin rob" + SURROGATE))
    vkey = policy.splitlines()[3].split(" ", 1)[1]
    with pytest.raises(MalformedInput):
        parse_vkey(SURROGATE + vkey)
    key_text = KEYS[0].file_text()
    with pytest.raises(MalformedInput):
        AuthorityKey.parse_file_text(key_text.replace("name robust", "name r" + SURROGATE))
    with Ledger.open(d) as led:
        cp = led.latest_checkpoint()
    assert cp is not None
    with pytest.raises(MalformedInput):
        SignedCheckpoint.parse(cp.text().replace("robust", SURROGATE, 1))


# -- indices beyond what a store can hold --------------------------------------------------------


@pytest.mark.parametrize("index", [10**20, 2**63, -1, 99999999999999999999])
def test_huge_and_negative_indices_are_malformed_input(d: Path, index: int) -> None:
    with Ledger.open(d) as led:
        for call in (
            lambda: led.prove_inclusion(index),
            lambda: led.entry(index),
            lambda: led.block(index),
            lambda: led.prove_consistency(index),
            lambda: led.prove_consistency(1, index),
        ):
            with pytest.raises(MalformedInput):
                call()
    exc = _clean_failure(run("prove", "inclusion", d, "--", str(index)), 4)
    assert "out of range" in exc.message or "must be" in exc.message


def test_cli_prove_huge_index_through_the_cli(d: Path, tmp_path: Path) -> None:
    exc = _clean_failure(run("prove", "inclusion", d, "99999999999999999999", "-o", tmp_path / "r"), 4)
    assert isinstance(exc, MalformedInput) and not (tmp_path / "r").exists()
    _clean_failure(run("prove", "consistency", d, "1", "99999999999999999999"), 4)


# -- init: unusable paths, nothing half-written -------------------------------------------------


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_init_under_a_file_is_a_ledger_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    before = _tree(tmp_path)
    for target in (tmp_path / "f", tmp_path / "f" / "x", tmp_path / "f" / "x" / "y"):
        with pytest.raises(LedgerError):
            Ledger.init(target, keys=KEYS)
        _clean_failure(run("init", target), 7)
    assert _tree(tmp_path) == before


def test_init_rolls_back_when_the_keys_cannot_be_written(tmp_path: Path) -> None:
    target = tmp_path / "new" / "ledger"
    target.mkdir(parents=True)
    (target / "keys").write_text("a file where the keys directory goes")
    before = _tree(tmp_path)
    with pytest.raises(LedgerError):
        Ledger.init(target, keys=KEYS)
    assert _tree(tmp_path) == before
    (target / "keys").unlink()
    (target / "keys").mkdir()
    KEYS[1].write(target / "keys" / "robust.example_authority-2.secret-key")  # a key file already there
    before = _tree(tmp_path)
    with pytest.raises(LedgerError, match="refusing to overwrite"):
        Ledger.init(target, keys=KEYS)
    assert _tree(tmp_path) == before  # the first key file written is removed again, no store, no policy


def test_init_rolls_back_created_directories(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c"
    with pytest.raises(MalformedInput):
        Ledger.init(target, keys=KEYS, threshold=7)  # refused before anything is created
    assert not (tmp_path / "a").exists()
    (tmp_path / "blocker").mkdir()
    (tmp_path / "blocker" / STORE_FILE).mkdir()  # the store's path is taken by a directory
    with pytest.raises(LedgerError):
        Ledger.init(tmp_path / "blocker", keys=KEYS)
    assert _tree(tmp_path / "blocker") == [STORE_FILE]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores directory permissions")
def test_init_in_an_unwritable_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(LedgerError):
            Ledger.init(locked / "l", keys=KEYS)
        with pytest.raises(LedgerError):
            Ledger.init(locked, keys=KEYS)
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


# -- a damaged schema -----------------------------------------------------------------------------


def _damage_schema(d: Path, table: str = "entries") -> None:
    conn = sqlite3.connect(d / STORE_FILE)
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute("UPDATE sqlite_master SET sql = replace(sql, 'PRIMARY', 'QRIMARY') WHERE name = ?", (table,))
    conn.commit()
    conn.close()


@pytest.mark.sqlite_only  # PostgreSQL: test_ledger_store_pg.py
@pytest.mark.parametrize("table", ["entries", "blocks", "authority_changes", "checkpoints"])
def test_one_bit_in_the_schema_text_names_the_store(d: Path, table: str) -> None:
    _damage_schema(d, table)
    with pytest.raises(VerificationError) as info:
        audit_directory(d)
    assert info.value.where == "store" and table in info.value.message
    exc = _clean_failure(run("verify", d), 2)
    assert exc.where == "store"
    with pytest.raises(LedgerError, match="schema is damaged"):
        Ledger.open(d)
    json_run = run("verify", d, "--json")
    assert '"ok":false' in json_run.output and '"where":"store"' in json_run.output


# -- crafted proof files for verify-proof ---------------------------------------------------------

CRAFTED = [
    b"\xff\xfe\x00garbage",
    b"c2sp.org/tlog-proof@v1\nindex 99999999999999999999999999\n\n",
    b"c2sp.org/tlog-proof@v1\nindex 1" + b"0" * 5000 + b"\n\n",
    b"c2sp.org/tlog-proof@v1\nextra \xed\xa0\x80\nindex 0\n\nx\n",  # an encoded surrogate is not UTF-8
    b'{"type":"zkmed.ledger.consistency-proof","version":1,"old":"\\ud800","new":"x","proof":[]}',
    b'{"type":"zkmed.ledger.consistency-proof","version":' + b"9" * 700 + b',"old":"","new":"","proof":[]}',
    b'{"type":"zkmed.ledger.consistency-proof","version":2,"old":"","new":"","proof":[]}',
    b'{"format":"zkmed.ledger/consistency-proof@v1","old":"","new":"","proof":[]}',
    b'{"type":"zkmed.ledger.fork-evidence","version":1,"origin":"\\udfff","height":1e999}',
    b'{"type":"zkmed.ledger.show","version":1}',
    b"[" * 100000,
    b"robust.example/00\n99999999999999999999999\nAAAA\n\n\xe2\x80\x94 x AAAAAAAA\n",
    b"\x00" * 64,
]


@pytest.mark.parametrize("content", CRAFTED)
def test_verify_proof_never_tracebacks_on_crafted_files(d: Path, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "crafted"
    path.write_bytes(content)
    _clean_failure(run("verify-proof", path, "--policy", d / "authorities.txt"), 2, 4)


def test_crafted_policy_files(d: Path, tmp_path: Path) -> None:
    (tmp_path / "cp").write_text("x")
    policy = _policy_text(d)
    for content in (
        b"\xff" * 10,
        policy.replace("threshold 2", "threshold 99999999999999999999999").encode(),
        policy.replace("zkmed.ledger.trust-policy v1", "zkmed.ledger.trust-policy v7").encode(),
        policy.replace("robust", "\ud800", 1).encode("utf-8", "surrogatepass"),
    ):
        (tmp_path / "policy").write_bytes(content)
        _clean_failure(run("verify-proof", tmp_path / "cp", "--policy", tmp_path / "policy"), 4)
        _clean_failure(run("verify", d, "--policy", tmp_path / "policy"), 4)


# -- the library keeps to its layer ----------------------------------------------------------------


def test_the_ledger_library_imports_no_cli_packages() -> None:
    root = Path(__file__).resolve().parents[2] / "zkmed" / "ledger"
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n.split(".")[0] in ("rich", "click") or n.startswith("zkmed.cli") for n in names), path


def test_the_store_implements_the_store_protocol(d: Path) -> None:
    members = {
        name
        for name in dir(Store)
        if not name.startswith("_") and name not in dir(object) and name not in ("register",)
    }
    store = open_readonly(d)
    try:
        missing = [name for name in members if not hasattr(store, name)]
        assert not missing
        assert store.location == (url(d) if is_pg(d) else str(d / STORE_FILE)) and store.readonly
    finally:
        store.close()
