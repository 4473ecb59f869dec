"""Fuzz targets of ``zkmed.electionguard``' decoders (collected by ``fuzz_targets.all_targets``)."""

from __future__ import annotations

import json
import shutil
import tempfile
from functools import cache
from pathlib import Path

from fuzz_support import Target, qualname

from zkmed.electionguard import fields, record
from zkmed.electionguard.arith import Arith

_RECORD = Path(__file__).resolve().parents[1] / "vectors" / "electionguard-2.0" / "allAvailable"
_SMALL_FILES = ("constants.json", "manifest.json", "election_initialized.json", "encrypted_tally.json", "tally.json")


@cache
def _arith() -> Arith:
    return Arith()


@cache
def _manifest() -> dict[str, record.ManifestContest]:
    return record.load_record(_RECORD, _arith()).manifest.contests


def _trimmed(path: Path) -> bytes:
    """A real ballot cut to its first contest (a small seed: the subgroup test stays cheap)."""
    doc = json.loads(path.read_bytes())
    doc["contests"] = doc["contests"][:1]
    return json.dumps(doc).encode()


@cache
def _config_dir() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="zkmed-eg-fuzz-"))
    for name in _SMALL_FILES:
        shutil.copy(_RECORD / name, tmp / name)
    return tmp


def _load_with_config(data: bytes) -> object:
    directory = _config_dir()
    (directory / "election_config.json").write_bytes(data)
    return record.load_record(directory, _arith())


def targets() -> list[Target]:
    ballot = _RECORD / "encrypted_ballots" / "runWorkflowDevice" / "eballot-id-10.json"
    dballot = _RECORD / "challenged_ballots" / "dballot-id-11.json"
    return [
        Target(
            "electionguard.parse_document",
            lambda d: fields.parse_document(d, "fuzz"),
            (qualname(fields.parse_document),),
            seeds=lambda: [(_RECORD / "election_config.json").read_bytes()],
        ),
        Target(
            "electionguard.parse_ballot",
            lambda d: record.parse_ballot(d, "fuzz", _arith(), _manifest()),
            (qualname(record.parse_ballot),),
            seeds=lambda: [_trimmed(ballot)],
            max_size=4096,
        ),
        Target(
            "electionguard.parse_decrypted",
            lambda d: record.parse_decrypted(d, "fuzz", _arith(), challenged=True),
            (qualname(record.parse_decrypted),),
            seeds=lambda: [_trimmed(dballot)],
            max_size=4096,
        ),
        Target(
            "electionguard.load_record(election_config.json)",
            _load_with_config,
            (qualname(record.load_record),),
            seeds=lambda: [(_RECORD / "election_config.json").read_bytes()],
            heavy=True,
        ),
    ]
