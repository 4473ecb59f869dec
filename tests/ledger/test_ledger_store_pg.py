"""What only the PostgreSQL store has: URLs, store.url, its schema check, session settings, the writers' lock.

The rest of the ledger suite runs on both stores (tests/ledger/conftest.py);
these cases use the session's private server directly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from benchmarks.pg_server import PrivateServer, missing_binaries
from zkmed.cli.main import main
from zkmed.errors import LedgerError, MalformedInput, UnsupportedVersion, VerificationError
from zkmed.ledger import store_pg
from zkmed.ledger.audit import audit_directory, audit_store
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.ledger import STORE_FILE, STORE_URL_FILE, Ledger
from zkmed.ledger.store_pg import PgStore
from zkmed.ledger.stores import public_url

KEYS = [AuthorityKey.generate(f"pg.example/authority-{i}") for i in range(3)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def url(_pg_databases) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh, empty database (dropped when the test ends, with any other this test made)."""
    _pg_databases.in_test = True
    try:
        yield str(_pg_databases.fresh())
    finally:
        _pg_databases.in_test = False
        _pg_databases.drop("t_")


@pytest.fixture
def d(tmp_path: Path, url: str) -> Path:
    with Ledger.init(tmp_path / "l", keys=KEYS, threshold=2, name="pg.example", store=url) as led:
        led.append("ballot", b"first")
        led.append_batch([("ballot", b"second"), ("ballot", b"third")])
        led.checkpoint()
    return tmp_path / "l"


def _execute(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement.encode())


def _tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(b"SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        return sorted(r[0] for r in rows.fetchall())


def test_init_names_the_database_in_store_url_without_the_password(tmp_path: Path, url: str) -> None:
    with_password = url.replace("postgres@", "postgres:s3cret-pw@")
    assert with_password != url and public_url(with_password) == url
    assert public_url(url + "?password=s3cret&sslmode=disable") == url + "?sslmode=disable"
    with Ledger.init(tmp_path / "l", keys=KEYS, store=with_password) as led:
        led.append("t", b"x")
        assert "s3cret" not in led.store.location
    assert (tmp_path / "l" / STORE_URL_FILE).read_text() == url + "\n"
    assert not (tmp_path / "l" / STORE_FILE).exists()
    assert sorted(_tables(url)) == sorted(store_pg._TABLES)
    with Ledger.open(tmp_path / "l") as led:
        assert led.entry(0).payload == b"x" and led.size == 1


def test_open_by_url_alone(d: Path, url: str) -> None:
    with Ledger.open(url) as led:
        assert led.directory is None and led.readonly and led.size == 3
        assert led.entry(1).payload == b"second"
        with pytest.raises(LedgerError, match="read-only"):
            led.append("t", b"no keys")
    with pytest.raises(MalformedInput, match="store URL"):
        Ledger.open(url, signing=True)
    with Ledger.open(url, keys=KEYS) as led:  # keys given by the caller: appends, writes no policy file
        led.append("t", b"by url")
        assert led.write_policy() is None
    assert audit_directory(url).entries == 4
    assert audit_directory(d).entries == 4


def test_read_only_handles_are_read_only_on_the_server(d: Path) -> None:
    with Ledger.open(d) as led:
        store = led.store
        assert isinstance(store, PgStore)
        assert store.conn.execute(b"SHOW synchronous_commit").fetchone() == ("on",)
        assert store.conn.execute(b"SHOW default_transaction_read_only").fetchone() == ("on",)
        with pytest.raises(LedgerError, match="read-only"), store.transaction():
            pass
    with Ledger.open(d, signing=True) as led:
        assert led.store.conn.execute(b"SHOW synchronous_commit").fetchone() == ("on",)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("statement", "error", "message"),
    [
        ("UPDATE zkmed_meta SET value = '3' WHERE key = 'schema_version'", UnsupportedVersion, "up to 2"),
        ("UPDATE zkmed_meta SET value = '1' WHERE key = 'schema_version'", UnsupportedVersion, "no longer reads"),
        ("UPDATE zkmed_meta SET value = 'x' WHERE key = 'schema_version'", LedgerError, "has no schema"),
        ("UPDATE zkmed_meta SET value = 'other' WHERE key = 'application_id'", LedgerError, "not a zkmed ledger"),
        ("DROP TABLE zkmed_meta", LedgerError, "no ledger store"),
    ],
)
def test_schema_version_and_foreign_databases_are_refused(
    d: Path, url: str, statement: str, error: type[Exception], message: str
) -> None:
    _execute(url, statement)
    with pytest.raises(error, match=message):
        Ledger.open(d)
    with pytest.raises(error, match=message):
        Ledger.open(url, keys=KEYS)


@pytest.mark.parametrize(
    ("table", "statement"),
    [
        ("entries", "ALTER TABLE entries ALTER COLUMN record DROP NOT NULL"),
        ("blocks", "ALTER TABLE blocks ADD COLUMN extra integer"),
        ("authority_changes", "ALTER TABLE authority_changes ALTER COLUMN seq TYPE integer"),
        ("checkpoints", "ALTER TABLE checkpoints RENAME COLUMN text TO note"),
        ("entries", "DROP TABLE entries"),
    ],
)
def test_a_damaged_schema_names_the_table(d: Path, url: str, table: str, statement: str) -> None:
    _execute(url, statement)
    with pytest.raises(LedgerError, match=f"schema is damaged \\(table '{table}'"):
        Ledger.open(d)
    with pytest.raises(VerificationError) as info:
        audit_directory(d)
    assert info.value.where == "store" and table in info.value.message


def test_init_refuses_a_database_holding_a_ledger_and_leaves_nothing(d: Path, url: str, tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="already exists"):
        Ledger.init(tmp_path / "second", keys=KEYS, store=url)
    assert not (tmp_path / "second").exists()
    assert audit_directory(d).entries == 3  # the first ledger is untouched
    with pytest.raises(LedgerError, match="already exists"):
        Ledger.init(d, keys=KEYS)  # a directory naming a store is a ledger


def test_a_failed_init_drops_the_tables_it_created(tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self: Ledger) -> None:
        raise LedgerError("cannot write the trust policy (simulated)")

    monkeypatch.setattr(Ledger, "write_policy", fail)
    with pytest.raises(LedgerError, match="simulated"):
        Ledger.init(tmp_path / "l", keys=KEYS, store=url)
    assert not (tmp_path / "l").exists() and _tables(url) == []
    monkeypatch.undo()
    Ledger.init(tmp_path / "l", keys=KEYS, store=url).close()  # the database is usable again


@pytest.mark.parametrize(
    "location",
    [
        "postgresql://postgres@127.0.0.1:1/nothing-listens-here",
        "postgresql://postgres@127.0.0.1:notaport/x",
        "postgresql://[::1",
    ],
)
def test_unreachable_or_malformed_urls_are_one_line_ledger_errors(location: str) -> None:
    started = time.monotonic()
    with pytest.raises(LedgerError) as info:
        Ledger.open(location)
    assert "\n" not in info.value.message and time.monotonic() - started < 10


@pytest.mark.parametrize("content", [b"", b"/not/a/url\n", b"\xff\xfe", b"postgresql://a\nb\n", b"x" * 5000])
def test_a_bad_store_url_file_is_a_ledger_error(d: Path, content: bytes) -> None:
    (d / STORE_URL_FILE).write_bytes(content)
    with pytest.raises(LedgerError, match="store.url"):
        Ledger.open(d)
    with pytest.raises(MalformedInput):
        Ledger.open("postgresql://a\nb")


def test_one_writer_at_a_time_readers_never_wait(d: Path) -> None:
    """A writer holds the table lock until it ends: another writer waits (here: times out), readers do not."""
    a = Ledger.open(d, signing=True)
    b = Ledger.open(d, signing=True)
    try:
        b.store.conn.execute(b"SET lock_timeout = '200ms'")  # type: ignore[attr-defined]
        with pytest.raises(RuntimeError, match="abort"), a.store.transaction():
            a.store.insert_checkpoint(3, "never committed")
            with Ledger.open(d) as reader:
                assert reader.size == 3 and reader.entry(2).payload == b"third" and len(reader.checkpoints()) == 1
            with pytest.raises(LedgerError, match="lock timeout"):
                b.append("t", b"must wait")
            raise RuntimeError("abort the first writer")
        assert b.size == 3  # the refused append wrote nothing
        b.append("t", b"after the first writer")
        assert b.size == 4 and len(b.checkpoints()) == 1  # the aborted transaction left nothing
    finally:
        a.close()
        b.close()


def test_cli_init_with_store_and_commands_by_url(tmp_path: Path, url: str, _pg_databases) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def run(*args: object, code: int = 0) -> str:
        result = runner.invoke(main, ["ledger", *map(str, args)])
        assert result.exit_code == code, result.output
        return result.output

    d = tmp_path / "l"
    assert "store: " + url in " ".join(run("init", d, "--store", url, "--name", "cli.pg").split())
    run("append", d, "hello")
    assert "hello" not in run("show", "--store", url)  # payload digests, not payloads
    assert "verified 2 blocks, 1 entries" in " ".join(run("verify", "--store", url).split())
    assert "verified 2 blocks" in " ".join(run("verify", d).split())
    other = str(_pg_databases.fresh())
    run("sync", d, tmp_path / "replica", "--store", other)
    assert (tmp_path / "replica" / STORE_URL_FILE).read_text() == other + "\n"
    run("verify", "--store", other)
    run("show", code=4)  # neither DIRECTORY nor --store
    run("show", d, "--store", url, code=4)  # both
    run("verify", "--store", "sqlite:///x", code=4)
    run("init", tmp_path / "x", "--store", "not-a-url", code=4)
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
@pytest.mark.skipif(missing_binaries() is not None, reason=str(missing_binaries()))
def test_a_killed_server_loses_no_acknowledged_append(tmp_path: Path) -> None:
    """SIGKILL the whole server while an appender commits; after a restart every acknowledged entry is there."""
    server = PrivateServer(fsync=True)
    try:
        with psycopg.connect(server.url(), autocommit=True) as admin:
            admin.execute(b"CREATE DATABASE killed")
        d = tmp_path / "l"
        Ledger.init(d, keys=KEYS, store=server.url("killed")).close()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("_appender.py")), str(d), "k", "-1", "3"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()
        reader = Ledger.open(d)  # a long-lived read-only handle (a board): it outlives the server's crash
        time.sleep(0.2)
        server.kill()
        out = first + proc.stdout.read()
        proc.wait(timeout=60)
        assert proc.returncode != 0  # it lost its server
        acked = {}
        for line in out.decode().split("\n")[:-1]:
            _, seq, count, tag, i = line.split(" ")
            for k in range(int(count)):
                acked[int(seq) + k] = f"{tag}-{int(i) + k}".encode()
        assert len(acked) >= 3
        with pytest.raises(LedgerError):
            reader.entry(0)  # the server is down: a LedgerError, not a driver exception
        server.restart()
        with reader:
            assert reader.entry(0).payload == b"k-0"  # a new session, once the server is back
        with Ledger.open(d) as led:
            for seq, payload in acked.items():
                assert led.entry(seq).payload == payload
            assert audit_store(led.store).entries >= len(acked)
    finally:
        server.stop()


def test_killing_the_client_mid_transaction_leaves_nothing(d: Path) -> None:
    """A writer process that dies inside its transaction: the server rolls it back, the lock is released."""
    code = (
        "import os, sys\n"
        "from zkmed.ledger.ledger import Ledger\n"
        "led = Ledger.open(sys.argv[1], writable=True)\n"
        "with led.store.transaction():\n"
        "    led.store.insert_checkpoint(1, 'half-written')\n"
        "    print('inside', flush=True)\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(d)], capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    assert proc.returncode == -signal.SIGKILL and proc.stdout == b"inside\n"
    with Ledger.open(d, signing=True) as led:
        assert len(led.checkpoints()) == 1
        led.append("t", b"the lock is free")  # the killed writer's lock went with its session
        assert audit_store(led.store).entries == 4


def test_two_ledgers_in_two_schemas_of_one_database(tmp_path: Path, url: str) -> None:
    """One ledger per schema: the URL's search_path picks it (``?options=-csearch_path%3Dname``)."""
    for schema in ("one", "two"):
        _execute(url, f"CREATE SCHEMA {schema}")
    for schema in ("one", "two"):
        with Ledger.init(tmp_path / schema, keys=KEYS, store=f"{url}?options=-csearch_path%3D{schema}") as led:
            led.append("t", schema.encode())
    assert _tables(url) == []  # nothing in public
    for schema in ("one", "two"):
        with Ledger.open(tmp_path / schema) as led:
            assert led.size == 1 and led.entry(0).payload == schema.encode()
        assert audit_directory(tmp_path / schema).entries == 1
