"""The demo's directory: a new temporary one by default, else a new or empty directory the user names.

Checked before anything is written, so that a refused directory is left exactly as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from zkmed.errors import LedgerError


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def prepare(directory: Path | None) -> Path:
    """The demo directory, created (mode 0700) when needed; LedgerError for a file, a non-empty directory or a
    path that cannot be created."""
    if directory is None:
        return Path(tempfile.mkdtemp(prefix="zkmed-demo-"))
    path = Path(directory)
    try:
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            raise LedgerError(f"the demo directory {path} is not a directory (name a new or empty one)")
        if path.is_dir():
            if any(path.iterdir()):
                raise LedgerError(
                    f"refusing to run the demo in the non-empty directory {path} (name a new or empty one)"
                )
            return path
        parent = path.absolute().parent
        if not parent.is_dir():
            raise LedgerError(f"cannot create the demo directory {path}: {parent} is not an existing directory")
        path.mkdir(mode=0o700)
    except OSError as exc:
        raise LedgerError(f"cannot create the demo directory {path}: {_reason(exc)}") from None
    if not os.access(path, os.W_OK):  # pragma: no cover - a read-only mount
        raise LedgerError(f"the demo directory {path} is not writable")
    return path
