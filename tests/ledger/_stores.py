"""Test helper: reach a ledger directory's store underneath the library, whichever store it is.

The tamper, crash and format tests change rows behind the library's back.
``sql``/``value`` take SQLite statements and run them on the directory's
store — as they are on ``DIR/ledger.sqlite``, translated for PostgreSQL when
``DIR/store.url`` names a database (``?`` → ``%s``, ``zeroblob(n)`` and
``x'…'`` → bytea expressions).  ``copy_ledger`` copies a closed ledger,
store included (``CREATE DATABASE … TEMPLATE`` for PostgreSQL).
"""

from __future__ import annotations

import contextlib
import itertools
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from zkmed.ledger import store_pg
from zkmed.ledger.directory import STORE_FILE, STORE_URL_FILE
from zkmed.ledger.store import Store
from zkmed.ledger.stores import open_store, store_location

_copies = itertools.count(1)


def is_pg(d: Path) -> bool:
    return (Path(d) / STORE_URL_FILE).exists()


def url(d: Path) -> str:
    location = store_location(Path(d))
    assert isinstance(location, str)
    return location


def open_readonly(d: Path) -> Store:
    return open_store(store_location(Path(d)), readonly=True)


def pg_statement(statement: str) -> str:
    """A SQLite statement of these tests in PostgreSQL's dialect."""
    statement = re.sub(r"zeroblob\((\d+)\)", r"decode(repeat('00', \1), 'hex')", statement)
    statement = re.sub(r"x'([0-9a-fA-F]*)'", r"'\\x\1'::bytea", statement)
    return statement.replace("?", "%s")


@contextlib.contextmanager
def _pg(d: Path) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(url(d), autocommit=True) as conn:
        yield conn


def sql(d: Path, statement: str, args: tuple = ()) -> None:
    """Run one changing statement on ``d``'s store (committed)."""
    if is_pg(d):
        with _pg(d) as conn:
            conn.execute(pg_statement(statement).encode(), args)
        return
    conn = sqlite3.connect(Path(d) / STORE_FILE)
    conn.execute(statement, args)
    conn.commit()
    conn.close()


def value(d: Path, query: str, args: tuple = ()) -> Any:
    """The first column of the first row of ``query`` on ``d``'s store."""
    if is_pg(d):
        with _pg(d) as conn:
            row = conn.execute(pg_statement(query).encode(), args).fetchone()
            return None if row is None else row[0]
    conn = sqlite3.connect(Path(d) / STORE_FILE)
    try:
        row = conn.execute(query, args).fetchone()
        return None if row is None else row[0]
    finally:
        conn.close()


def rows(d: Path, query: str, args: tuple = ()) -> list[tuple[Any, ...]]:
    """Every row of ``query`` on ``d``'s store."""
    if is_pg(d):
        with _pg(d) as conn:
            return [tuple(r) for r in conn.execute(pg_statement(query).encode(), args).fetchall()]
    conn = sqlite3.connect(Path(d) / STORE_FILE)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


def count_rows(d: Path) -> tuple[int, int]:
    """``(entry rows, block rows)`` of ``d``'s store."""
    return value(d, "SELECT count(*) FROM entries"), value(d, "SELECT count(*) FROM blocks")


def copy_ledger(src: Path, dst: Path) -> Path:
    """A copy of the ledger ``src`` at ``dst``: its files, and for PostgreSQL a copy of its tables in a new database.

    ``src`` may be open (its rows are copied with ``COPY``, not ``CREATE DATABASE … TEMPLATE``).
    """
    shutil.copytree(src, dst)
    if is_pg(src):
        base = url(src).rsplit("/", 1)[0]
        name = f"t_copy{next(_copies)}"  # a test's database: dropped when the test ends
        with psycopg.connect(base + "/postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 STRATEGY FILE_COPY".encode())
        with psycopg.connect(url(src), autocommit=True) as a, psycopg.connect(f"{base}/{name}") as b:
            for statement in store_pg._STATEMENTS:
                b.execute(statement.encode())
            for table in store_pg._TABLES:
                with a.cursor().copy(f"COPY {table} TO STDOUT (FORMAT BINARY)".encode()) as out:
                    with b.cursor().copy(f"COPY {table} FROM STDIN (FORMAT BINARY)".encode()) as into:
                        for chunk in out:
                            into.write(chunk)
            b.execute(
                b"SELECT setval(pg_get_serial_sequence('checkpoints', 'id'), coalesce(max(id), 0) + 1, false) FROM checkpoints"
            )
            b.commit()
        (Path(dst) / STORE_URL_FILE).write_text(f"{base}/{name}\n")
    return Path(dst)
