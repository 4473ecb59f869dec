"""Shared fixtures: the two egk-ec records, verified once per session, and tampered copies made at run time."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from zkmed.electionguard import Report, check_record

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "electionguard-2.0"
RECORDS = {"allAvailable": VECTORS / "allAvailable", "someAvailable": VECTORS / "someAvailable"}
BALLOTS = "encrypted_ballots/runWorkflowDevice"


@pytest.fixture(scope="session")
def reports() -> dict[str, Report]:
    """Both records verified once (two worker processes, as the CLI's --jobs 2)."""
    return {name: check_record(path, jobs=2) for name, path in RECORDS.items()}


def load(path: Path) -> Any:
    return json.loads(path.read_bytes())


def dump(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=4))


def ballot_states(record: Path) -> dict[str, str]:
    """ballot file name -> CAST / CHALLENGED."""
    return {p.name: load(p)["state"] for p in sorted((record / BALLOTS).glob("*.json"))}


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
