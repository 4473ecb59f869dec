"""Every store test runs on both stores: SQLite (``DIR/ledger.sqlite``) and PostgreSQL (a private server).

Modules in :data:`STORE_MODULES` get the module-scoped parameter ``store``
(``sqlite`` | ``postgresql``); a test marked ``sqlite_only`` runs on SQLite
alone (it checks SQLite's own file or pragmas); one marked
``slow_on_postgresql`` is ``slow`` on PostgreSQL (an exhaustive case whose
store-specific part a quicker case covers: keeps the quick pass in budget),
and the PostgreSQL case of a ``slow`` test is ``heavy`` (``make test-slow``
runs it: forty SIGKILL trials, a million-entry tree).  With ``postgresql`` every
ledger the test creates without naming a store (``Ledger.init``,
``create_replica``, ``zkmed ledger init``, sync's new replica) gets a fresh
database on one private server for the session (:mod:`benchmarks.pg_server`:
started as the ``postgres`` user in a temporary directory — on ``/dev/shm``
where there is one — on a free port, ``fsync=off``: a killed client or
server is simulated, an operating-system crash is not), named in
``DIR/store.url``; the databases a test created are dropped when it ends,
the server when the session ends.  The PostgreSQL
cases are skipped, with the reason, only where the server binaries are absent.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from benchmarks.pg_server import PrivateServer, missing_binaries
from zkmed.ledger.ledger import Ledger

#: the test modules whose cases run on both stores
STORE_MODULES = {
    "test_ledger_api",
    "test_ledger_cli",
    "test_ledger_crash",
    "test_ledger_deferred",
    "test_ledger_large",
    "test_ledger_robustness",
    "test_ledger_sync",
    "test_ledger_tamper",
    "test_ledger_trust",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: checks the SQLite store's own file; not run on PostgreSQL")
    config.addinivalue_line(
        "markers", "slow_on_postgresql: the PostgreSQL case is `slow` (exhaustive: the SQLite case covers the code)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__.rsplit(".", 1)[-1] not in STORE_MODULES:
        return
    marker = metafunc.definition.get_closest_marker
    marks = [pytest.mark.heavy] if marker("slow") else [pytest.mark.slow] if marker("slow_on_postgresql") else []
    pg = pytest.param("postgresql", marks=marks)
    stores = ["sqlite"] if marker("sqlite_only") else ["sqlite", pg]
    metafunc.parametrize("store", stores, indirect=True, scope="module")


class _Databases:
    """Fresh databases on the private server: ``m_*`` for module fixtures, ``t_*`` inside a test."""

    def __init__(self, server: PrivateServer) -> None:
        self.server = server
        self.admin = psycopg.connect(server.url(), autocommit=True)
        self.counter = itertools.count(1)
        self.in_test = False

    def fresh(self) -> str:
        name = f"{'t' if self.in_test else 'm'}_{next(self.counter)}"
        self.admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 STRATEGY FILE_COPY".encode())
        return self.server.url(name)

    def drop(self, prefix: str) -> None:
        rows = self.admin.execute(b"SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (prefix,))
        for (name,) in rows.fetchall():
            self.admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)'.encode())


@pytest.fixture(scope="session")
def _pg_databases() -> Iterator[_Databases]:
    why = missing_binaries()
    if why is not None:
        pytest.skip(why)
    server = PrivateServer(fsync=False, memory=True)
    try:
        databases = _Databases(server)
        yield databases
        databases.admin.close()
    finally:
        server.stop()


@pytest.fixture(scope="module", autouse=True)
def store(request: pytest.FixtureRequest) -> Iterator[str]:
    """``sqlite`` (the default everywhere) or ``postgresql``: new ledgers get a fresh database."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        yield kind
        return
    databases: _Databases = request.getfixturevalue("_pg_databases")
    create = Ledger._create.__func__  # type: ignore[attr-defined]

    def on_postgresql(cls: type[Ledger], *args: Any, **kwargs: Any) -> Ledger:
        if len(args) >= 6:
            if args[5] is None:
                args = (*args[:5], databases.fresh(), *args[6:])
        elif kwargs.get("store_url") is None:
            kwargs["store_url"] = databases.fresh()
        return create(cls, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Ledger, "_create", classmethod(on_postgresql))
        yield kind
    databases.drop("m_")


@pytest.fixture(autouse=True)
def _store_per_test(request: pytest.FixtureRequest, store: str) -> Iterator[None]:
    """Every test uses ``store``; drop the databases each PostgreSQL case created."""
    if store != "postgresql":
        yield
        return
    databases: _Databases = request.getfixturevalue("_pg_databases")
    databases.in_test = True
    try:
        yield
    finally:
        databases.in_test = False
        databases.drop("t_")
