"""A stand-in for the elections package's board API (installed onto ``zkmed.elections`` by the ``elections`` fixture).

Used only where the real package cannot serve: a contest title with markup (the page must escape it).

A "ballot" is canonical JSON ``{"choice": "alice"|"bob"|"carol", "id": <str>, "proof": "valid"|…}``;
``check_ballot_submission`` refuses malformed ones, a bad proof (naming the step) and a second ballot
with the same ``id``, exactly the contract the real package promises; ``result`` counts the choices.
"""

from __future__ import annotations

import hashlib
from typing import Any

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.errors import MalformedInput, VerificationError
from zkmed.ledger.entries import Entry

BALLOT_ENTRY_TYPE = "election.ballot"
ENTRY_TYPE_PREFIX = "election."
CHOICES = ("alice", "bob", "carol")
_SEEN: dict[bytes, tuple[int, set[str]]] = {}  # ledger id -> (entries scanned, ballot ids)


def ballot(ballot_id: str, choice: str = "alice", valid: bool = True) -> bytes:
    return canonical_json({"choice": choice, "id": ballot_id, "proof": "valid" if valid else "forged"})


def confirmation_code(payload: bytes) -> str:
    return "zk-" + hashlib.sha256(payload).hexdigest()[:32]


def ballot_key(payload: bytes) -> str:
    doc = parse_json(payload)
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
        raise MalformedInput("ballot: no id")
    return doc["id"]


def _ballots(ledger: Any) -> list[dict]:
    out = []
    total = ledger.size + ledger.pending
    for start in range(0, total, 1000):
        for data in ledger.store.entries(start, min(total, start + 1000)):
            e = Entry.decode(data)
            if e.type == BALLOT_ENTRY_TYPE:
                out.append(parse_json(e.payload))
    return out


def check_ballot_submission(ledger: Any, payload: bytes) -> None:
    doc = parse_json(payload)
    if not isinstance(doc, dict) or set(doc) != {"choice", "id", "proof"} or doc["choice"] not in CHOICES:
        raise MalformedInput("ballot: expected choice, id and proof")
    if doc["proof"] != "valid":
        raise VerificationError("ballot proof does not verify (step B3: selection range proof)", where="contest 1")
    scanned, ids = _SEEN.get(ledger.ledger_id, (0, set()))
    total = ledger.size + ledger.pending
    for start in range(scanned, total, 1000):
        for data in ledger.store.entries(start, min(total, start + 1000)):
            e = Entry.decode(data)
            if e.type == BALLOT_ENTRY_TYPE:
                ids.add(parse_json(e.payload)["id"])
    _SEEN[ledger.ledger_id] = (total, ids)
    if doc["id"] in ids:
        raise VerificationError("ballot already cast (step B1: credential not yet used)", where=f"ballot {doc['id']}")


def result(ledger: Any) -> dict:
    counts = dict.fromkeys(CHOICES, 0)
    for b in _ballots(ledger):
        counts[b["choice"]] += 1
    options = [{"label": c.title(), "votes": n} for c, n in counts.items()]
    return {"contests": [{"title": "Mayor <of> the town", "options": options}]}


SubmissionIndex = None  # the stand-in keeps its own scan state (_SEEN)

NAMES = (
    "BALLOT_ENTRY_TYPE",
    "SubmissionIndex",
    "ENTRY_TYPE_PREFIX",
    "ballot_key",
    "confirmation_code",
    "check_ballot_submission",
    "result",
)


def install(setter: Any = setattr) -> None:
    """Put the stand-in's names onto ``zkmed.elections`` (``setter``: ``monkeypatch.setattr`` in tests)."""
    import zkmed.elections

    _SEEN.clear()
    for name in NAMES:
        setter(zkmed.elections, name, globals()[name])
