"""Atomic file writes (the one helper every module uses to write a file) and bounded reads.

A file is written to a temporary file in the *same* directory, flushed and
fsynced, then renamed over its target (or linked to it, when an existing file
must not be overwritten) and the directory is fsynced.  A failure at any
point — a full disk, an unwritable directory, an exception in the work that
produces the bytes — leaves the target as it was (absent, or its old
content) and no temporary file behind.

Secrets (key files, ceremony state, credentials, decrypted records) are
written mode 0600 from the start: the temporary file is created 0600 by
:func:`tempfile.mkstemp` and never widened.  Public files are made 0644.

:class:`AtomicFile` is for commands that must know a path is writable
*before* doing irreversible work (appending to a ledger): it creates the
temporary file at once and commits it later.  :func:`write_atomic` does both
in one call.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from zkmed.errors import LedgerError, MalformedInput, ZkmedError

__all__ = ["PUBLIC_MODE", "SECRET_MODE", "AtomicFile", "read_limited", "write_atomic"]

SECRET_MODE = 0o600
PUBLIC_MODE = 0o644


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (best effort: some platforms and file systems refuse directory handles)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class AtomicFile(contextlib.AbstractContextManager["AtomicFile"]):
    """A file about to be written atomically: the temporary file exists from ``__init__`` on.

    ``commit(data)`` writes, fsyncs and renames it into place; leaving the
    ``with`` block without a commit (an exception) removes the temporary file
    and leaves the target untouched.  Errors are raised as ``error`` (a
    :class:`~zkmed.errors.ZkmedError` subclass, :class:`LedgerError` by
    default) naming ``what`` and the path.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        secret: bool = False,
        overwrite: bool = True,
        mkdir: bool = False,
        what: str = "the file",
        error: type[ZkmedError] = LedgerError,
    ) -> None:
        self.path = Path(path)
        self.secret = secret
        self.overwrite = overwrite
        self.what = what
        self.error = error
        self.committed = False
        directory = self.path.parent
        try:
            if not overwrite and self.path.exists():
                raise error(f"refusing to overwrite {what} {self.path}")
            if self.path.is_dir():
                raise error(f"cannot write {what} {self.path}: it is a directory")
            if mkdir:
                directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
        except OSError as exc:
            raise error(f"cannot write {what} {self.path}: {_reason(exc)}") from None
        self._tmp = Path(tmp)
        self._fd: int | None = fd
        if not secret:
            try:
                os.fchmod(fd, PUBLIC_MODE)
            except OSError:  # pragma: no cover - a file system without modes keeps mkstemp's 0600
                pass

    def commit(self, data: bytes) -> Path:
        """Write ``data``, fsync, and move the file into place; returns the path."""
        if self._fd is None:
            raise self.error(f"{self.what} {self.path} was already written or abandoned")
        fd, self._fd = self._fd, None
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            if self.overwrite:
                os.replace(self._tmp, self.path)
            else:
                os.link(self._tmp, self.path)  # atomic, and fails if the path appeared meanwhile
                self._tmp.unlink(missing_ok=True)
        except FileExistsError:
            self._discard()
            raise self.error(f"refusing to overwrite {self.what} {self.path}") from None
        except OSError as exc:
            self._discard()
            raise self.error(f"cannot write {self.what} {self.path}: {_reason(exc)}") from None
        self.committed = True
        _fsync_directory(self.path.parent)
        return self.path

    def _discard(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        with contextlib.suppress(OSError):
            self._tmp.unlink(missing_ok=True)

    def __exit__(self, *exc: object) -> None:
        if not self.committed:
            self._discard()


def write_atomic(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    secret: bool = False,
    overwrite: bool = True,
    mkdir: bool = False,
    what: str = "the file",
    error: type[ZkmedError] = LedgerError,
) -> Path:
    """Write ``data`` to ``path`` atomically (0600 when ``secret``, else 0644); returns the path.

    ``overwrite=False`` refuses an existing file (``error``: "refusing to
    overwrite …"), also one that appears while writing; ``mkdir`` creates the
    missing parent directories first.
    """
    with AtomicFile(path, secret=secret, overwrite=overwrite, mkdir=mkdir, what=what, error=error) as out:
        return out.commit(data)


def read_limited(path: str | os.PathLike[str], limit: int, what: str = "file") -> bytes:
    """The bytes of ``path``, at most ``limit`` of them; MalformedInput naming ``what`` when unreadable or larger."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise MalformedInput(f"cannot read the {what} {path}: {_reason(exc)}") from None
    except ValueError:  # a NUL byte or an unencodable character in the path
        raise MalformedInput(f"the {what} path {str(path)[:80]!r} is not a valid file name") from None
    if len(data) > limit:
        raise MalformedInput(f"the {what} {path} is larger than {limit} bytes")
    return data
