"""Shared fixtures: the two egk-ec records, verified once per session, and tampered copies made at run time."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from eg_support import BALLOTS, RECORDS

from zkmed.electionguard import Report, check_record


@pytest.fixture(scope="session")
def reports() -> dict[str, Report]:
    """Both records verified once (two worker processes, as the CLI's --jobs 2)."""
    return {name: check_record(path, jobs=2) for name, path in RECORDS.items()}


@pytest.fixture
def copy_record(tmp_path: Path) -> Callable[..., Path]:
    """``copy_record(keep_ballots=None, keep_challenged=None)``: a writable copy of allAvailable, optionally with
    only the named ballot / challenged-ballot files (so a test re-verifies only what it needs)."""

    def make(keep_ballots: list[str] | None = None, keep_challenged: list[str] | None = None) -> Path:
        dst = tmp_path / "record"
        shutil.copytree(RECORDS["allAvailable"], dst)
        for sub, keep in ((BALLOTS, keep_ballots), ("challenged_ballots", keep_challenged)):
            if keep is not None:
                for p in (dst / sub).glob("*.json"):
                    if p.name not in keep:
                        p.unlink()
        return dst

    return make
