"""A ledger directory on disk: its file names, and creating it all or nothing.

Layout and the all-or-nothing rule: ``docs/ledger.md`` §Opening a ledger.
:class:`NewDirectory` raises a one-line :class:`~zkmed.errors.LedgerError` on
any failure and removes every file and directory it created.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

from zkmed.errors import LedgerError
from zkmed.files import write_atomic
from zkmed.ledger.checkpoint import TrustPolicy
from zkmed.ledger.keys import KEY_FILE_SUFFIX, AuthorityKey, load_key_dir
from zkmed.ledger.store_sqlite import remove_files

__all__ = [
    "KEYS_DIR",
    "POLICY_FILE",
    "STORE_FILE",
    "STORE_URL_FILE",
    "NewDirectory",
    "holds_keys",
    "load_keys",
    "write_policy",
]

STORE_FILE = "ledger.sqlite"
#: names the directory's PostgreSQL store instead of ``STORE_FILE`` (:mod:`zkmed.ledger.stores`)
STORE_URL_FILE = "store.url"
POLICY_FILE = "authorities.txt"
KEYS_DIR = "keys"


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def write_text(path: Path, text: str, what: str) -> Path:
    """Write a public text file atomically (``what`` names it in the LedgerError); returns ``path``."""
    return write_atomic(path, text.encode("utf-8"), what=what, error=LedgerError)


def write_policy(directory: Path, policy: TrustPolicy) -> Path:
    """Write ``DIR/authorities.txt`` (public)."""
    return write_text(Path(directory) / POLICY_FILE, policy.format(), "the trust policy")


def load_keys(directory: Path) -> list[AuthorityKey]:
    """The authority secret keys in ``DIR/keys``; LedgerError when there are none."""
    keys = load_key_dir(Path(directory) / KEYS_DIR)
    if not keys:
        raise LedgerError(f"no authority secret keys in {Path(directory) / KEYS_DIR}; this node cannot sign")
    return keys


class NewDirectory:
    """Create a ledger directory step by step; :meth:`rollback` removes everything created so far."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._files: list[Path] = []
        self._dirs: list[Path] = []
        try:
            if (self.directory / STORE_FILE).exists() or (self.directory / STORE_URL_FILE).exists():
                raise LedgerError(f"a ledger already exists in {self.directory}")
            missing = []
            here = self.directory
            while not here.exists() and not here.is_symlink() and here != here.parent:
                missing.append(here)
                here = here.parent
            blocked = here.exists() and not here.is_dir()
        except OSError as exc:
            raise LedgerError(f"cannot create the ledger directory {self.directory}: {_reason(exc)}") from exc
        if blocked:
            raise LedgerError(f"cannot create the ledger directory {self.directory}: {here} is not a directory")
        for path in reversed(missing):
            self.mkdir(path)

    def mkdir(self, path: Path, mode: int = 0o777) -> None:
        try:
            path.mkdir(mode=mode)
        except FileExistsError:
            if not path.is_dir():
                raise LedgerError(f"cannot create {path}: a file is in the way") from None
            return
        except OSError as exc:
            self.rollback()
            raise LedgerError(f"cannot create the directory {path}: {_reason(exc)}") from exc
        self._dirs.append(path)

    def created(self, path: Path) -> None:
        """Record a file the caller created in the directory (removed on rollback)."""
        self._files.append(path)

    def write_keys(self, keys: Sequence[AuthorityKey]) -> None:
        key_dir = self.directory / KEYS_DIR
        self.mkdir(key_dir, 0o700)
        try:
            os.chmod(key_dir, 0o700)
            for key in keys:
                path = key_dir / f"{key.name.replace('/', '_')}{KEY_FILE_SUFFIX}"
                key.write(path)
                self.created(path)
        except OSError as exc:
            raise LedgerError(f"cannot write the keys into {key_dir}: {_reason(exc)}") from exc

    def rollback(self) -> None:
        """Remove the files, then the (empty) directories this object created, newest first."""
        for path in reversed(self._files):
            remove_files(path)
        for path in reversed(self._dirs):
            with contextlib.suppress(OSError):
                path.rmdir()
        self._files.clear()
        self._dirs.clear()


def holds_keys(directory: Path) -> bool:
    """Whether ``DIR/keys`` holds any secret key file (without reading one)."""
    key_dir = Path(directory) / KEYS_DIR
    try:
        return key_dir.is_dir() and any(key_dir.glob(f"*{KEY_FILE_SUFFIX}"))
    except OSError:
        return False  # an unreadable path: the store's open names the problem
