"""The election manifest: contests, their options and limits, the revote rule.

JSON (a file given to ``zkmed election create``, then posted inside the
``zkmed.election.parameters`` ledger payload)::

    {"election_id": "town-2026",
     "contests": [{"id": "mayor", "selection_limit": 1, "options": ["alice", "bob"], "option_limit": 1}, …],
     "revote": "latest"}

``selection_limit`` (L): how many votes a voter may give in the contest in total;
``option_limit`` (R, default 1): how many votes one option may receive from one voter;
``revote``: which of a credential's ballots counts, ``"latest"`` (default) or ``"first"``.
Unknown fields are an error; every error names the field.  :meth:`Manifest.to_json`
is the canonical form (defaults written out) whose bytes the election base hash binds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.errors import MalformedInput

from .fields import check_id, exact_fields, int_field, list_field

__all__ = ["MAX_CONTESTS", "MAX_LIMIT", "MAX_OPTIONS", "Contest", "Manifest", "parse_manifest"]

MAX_CONTESTS = 64
MAX_OPTIONS = 64
#: the largest L or R (an OR proof has one branch per value 0..limit)
MAX_LIMIT = 63
REVOTE_RULES = ("latest", "first")


@dataclass(frozen=True)
class Contest:
    """One contest: ``id``, ``options``, ``selection_limit`` L and ``option_limit`` R."""

    id: str
    options: tuple[str, ...]
    selection_limit: int
    option_limit: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "options": list(self.options),
            "option_limit": self.option_limit,
            "selection_limit": self.selection_limit,
        }


@dataclass(frozen=True)
class Manifest:
    election_id: str
    contests: tuple[Contest, ...]
    revote: str = "latest"

    def to_json(self) -> dict[str, Any]:
        return {
            "contests": [c.to_json() for c in self.contests],
            "election_id": self.election_id,
            "revote": self.revote,
        }

    def to_bytes(self) -> bytes:
        """The canonical JSON bytes (what the base hash binds)."""
        return canonical_json(self.to_json())

    def contest(self, contest_id: str) -> tuple[int, Contest]:
        for i, c in enumerate(self.contests):
            if c.id == contest_id:
                return i, c
        raise MalformedInput(
            f"unknown contest {contest_id!r}; the contests are {', '.join(c.id for c in self.contests)}"
        )

    @property
    def max_votes_per_option(self) -> int:
        """The largest R over the contests (sizes the tally's discrete-log search together with the voters)."""
        return max(c.option_limit for c in self.contests)


def _contest(obj: Any, where: str) -> Contest:
    obj = exact_fields(obj, {"id", "selection_limit", "options"}, where, {"option_limit"})
    cid = check_id(obj["id"], f"{where}.id")
    options = list_field(obj, "options", where, 1, MAX_OPTIONS)
    names = tuple(check_id(o, f"{where}.options[{j}]") for j, o in enumerate(options))
    if len(set(names)) != len(names):
        raise MalformedInput(f"{where}.options: option ids must be distinct", where=f"{where}.options")
    limit = int_field(obj, "selection_limit", where, 1, MAX_LIMIT)
    per_option = int_field(obj, "option_limit", where, 1, MAX_LIMIT) if "option_limit" in obj else 1
    if per_option > limit:
        raise MalformedInput(f"{where}.option_limit must not exceed selection_limit", where=f"{where}.option_limit")
    if limit > per_option * len(names):
        raise MalformedInput(
            f"{where}.selection_limit exceeds option_limit × options ({per_option * len(names)})",
            where=f"{where}.selection_limit",
        )
    return Contest(cid, names, limit, per_option)


def parse_manifest(data: bytes | str | dict[str, Any]) -> Manifest:
    """Parse and validate a manifest (JSON bytes/text or an already parsed object); MalformedInput names the field."""
    obj = parse_json(data) if isinstance(data, (bytes, bytearray, str)) else data
    obj = exact_fields(obj, {"election_id", "contests"}, "manifest", {"revote"})
    election_id = check_id(obj["election_id"], "manifest.election_id")
    contests = tuple(
        _contest(c, f"manifest.contests[{i}]")
        for i, c in enumerate(list_field(obj, "contests", "manifest", 1, MAX_CONTESTS))
    )
    if len({c.id for c in contests}) != len(contests):
        raise MalformedInput("manifest.contests: contest ids must be distinct", where="manifest.contests")
    revote = obj.get("revote", "latest")
    if revote not in REVOTE_RULES:
        raise MalformedInput('manifest.revote must be "latest" or "first"', where="manifest.revote")
    return Manifest(election_id, contests, revote)
