"""Which :class:`~zkmed.ledger.store.Store` a ledger uses: a SQLite file or a PostgreSQL URL.

A *location* is either a path to a SQLite store file or a ``postgresql://``
URL (:mod:`zkmed.ledger.store_pg`).  A ledger directory names its store: the
URL in ``DIR/store.url`` when that file exists (written by
``Ledger.init(DIR, store=URL)``; never a password), else ``DIR/ledger.sqlite``
(``docs/ledger.md`` §PostgreSQL store).
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from zkmed.errors import LedgerError, MalformedInput
from zkmed.ledger.directory import STORE_FILE, STORE_URL_FILE
from zkmed.ledger.store import Store
from zkmed.ledger.store_sqlite import SqliteStore, remove_files

__all__ = [
    "URL_SCHEMES",
    "Location",
    "create_store",
    "drop_store",
    "is_pg_url",
    "ledger_exists",
    "open_store",
    "public_url",
    "store_location",
]

#: a SQLite store file or a PostgreSQL URL
Location = Path | str
URL_SCHEMES = ("postgresql://", "postgres://")


def is_pg_url(location: object) -> bool:
    """Whether ``location`` is a PostgreSQL connection URL (``postgresql://…`` or ``postgres://…``)."""
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def public_url(url: str) -> str:
    """``url`` without its password, in the user part or a ``password=`` parameter (messages, ``store.url``)."""
    try:
        parts = urllib.parse.urlsplit(url)
        query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k != "password"]
        if parts.password is None and len(query) == len(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)):
            return url
        userinfo, _, host = parts.netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]  # as written (percent-encoded)
        netloc = f"{user}@{host}" if user else host
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=urllib.parse.urlencode(query)))
    except ValueError:
        return url.split("://", 1)[0] + "://…"


#: the longest ``DIR/store.url`` read
MAX_URL = 4096


def check_url(url: object) -> str:
    """``url`` if it is a PostgreSQL URL of one line (at most :data:`MAX_URL` characters); MalformedInput otherwise."""
    if not is_pg_url(url) or not isinstance(url, str):
        raise MalformedInput("a store URL must start with postgresql:// (or postgres://)")
    if len(url) > MAX_URL or any(c in url for c in "\r\n\0"):
        raise MalformedInput("a store URL must be one line of at most 4096 characters")
    return url


def store_location(directory: Path) -> Location:
    """The store of the ledger directory ``DIR``: the URL in ``DIR/store.url``, else ``DIR/ledger.sqlite``."""
    directory = Path(directory)
    path = directory / STORE_URL_FILE
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_URL + 2)
    except FileNotFoundError:
        return directory / STORE_FILE
    except OSError as exc:
        raise LedgerError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
        return check_url(text[:-1] if text.endswith("\n") else text)
    except (UnicodeDecodeError, MalformedInput) as exc:
        raise LedgerError(f"{path} does not hold a postgresql:// URL", where="store") from exc


def ledger_exists(directory: Path) -> bool:
    """Whether ``DIR`` names a store (``store.url`` or ``ledger.sqlite`` present)."""
    try:
        return any((Path(directory) / name).exists() for name in (STORE_URL_FILE, STORE_FILE))
    except OSError as exc:
        raise LedgerError(f"cannot use {directory}: {exc.strerror or exc}") from exc


def open_store(location: Location, *, readonly: bool = False) -> Store:
    """Open an existing store: a PostgreSQL URL or a SQLite file (of a directory: :func:`store_location`)."""
    if isinstance(location, str) and is_pg_url(location):
        from zkmed.ledger.store_pg import PgStore  # psycopg loads on first use (~0.2 s of every import otherwise)

        return PgStore(check_url(location), readonly=readonly)
    return SqliteStore(Path(location), readonly=readonly)


def create_store(location: Location, genesis_hash: bytes, genesis_data: bytes) -> Store:
    """A new store holding only the genesis block; refuses one that exists."""
    if isinstance(location, str) and is_pg_url(location):
        from zkmed.ledger.store_pg import PgStore

        return PgStore.create(check_url(location), genesis_hash, genesis_data)
    return SqliteStore.create(Path(location), genesis_hash, genesis_data)


def drop_store(location: Location) -> None:
    """Undo :func:`create_store` (a failed ``init``): remove the SQLite files or drop the PostgreSQL tables."""
    if isinstance(location, str) and is_pg_url(location):
        from zkmed.ledger.store_pg import PgStore

        PgStore.drop(location)
    else:
        remove_files(Path(location))
