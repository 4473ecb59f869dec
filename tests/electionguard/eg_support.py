"""Helpers of the ElectionGuard tests: the two egk-ec records and JSON edits (imported by name: ``eg_support``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "electionguard-2.0"
RECORDS = {"allAvailable": VECTORS / "allAvailable", "someAvailable": VECTORS / "someAvailable"}
BALLOTS = "encrypted_ballots/runWorkflowDevice"


def load(path: Path) -> Any:
    return json.loads(path.read_bytes())


def dump(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=4))
