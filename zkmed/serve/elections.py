"""The served ledger's only link to ``zkmed.elections``: imported lazily, missing pieces answer 501.

The board needs from the elections package:

* ``check_ballot_submission(ledger, payload: bytes[, index=…]) -> None`` —
  verify a submitted ballot (its credential signature and proofs, its ballot
  id not yet posted) against the election on ``ledger``; raises
  ``VerificationError`` naming the failing step, or ``MalformedInput``; with
  the package's ``SubmissionIndex`` the writer keeps one index
  (:func:`submission_index`) and passes it, so a check reads only the entries
  appended since the previous one;
* the entry type a ballot is appended as: ``BALLOT_ENTRY_TYPE: str``, else
  the registered format ``zkmed.election.ballot`` without ``zkmed.``
  (``election.ballot``, the elections package's convention);
* ``result(ledger) -> dict`` — the election result (see :func:`contests`);
* optional ``confirmation_code(payload: bytes) -> str`` (default: hex SHA-256
  of the ballot bytes) with ``parse_confirmation_code(code) -> bytes`` (codes
  are compared by what it returns: case and dashes do not matter),
  ``ENTRY_TYPE_PREFIX: str`` (the election entries listed on the board;
  default ``"election."``) and
  ``ballot_key(payload: bytes) -> str`` (what must be unique among ballots
  appended together: the real package's ballot id — a credential may vote
  again, the revote rule picks which ballot counts; with it, concurrent
  ballots are appended in one transaction, :mod:`zkmed.serve.commit`).

Until they exist every election endpoint and page answers 501 "elections not
available" (:class:`ElectionsUnavailable`); the generic ledger endpoints work.
A result is charted from ``{"contests": {contest: {option: votes}}}`` (the
package's ``zkmed.election.result``) or a list form (:func:`contests`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zkmed import formats
from zkmed.serve.backend import default_confirmation_code

__all__ = [
    "ElectionsUnavailable",
    "available",
    "ballot_entry_type",
    "check_ballot",
    "confirmation_code",
    "contests",
    "election_prefix",
    "result",
]

DEFAULT_PREFIX = "election."
BALLOT_FORMAT = "zkmed.election.ballot"


class ElectionsUnavailable(Exception):  # noqa: N818 - a state, answered with 501 by the app
    """The elections package (or the piece named) is not in this build."""


def _module() -> Any:
    try:
        import zkmed.elections as elections
    except ImportError as exc:  # pragma: no cover - the package exists as a skeleton at least
        raise ElectionsUnavailable("elections not available: zkmed.elections cannot be imported") from exc
    return elections


def _need(name: str) -> Any:
    value = getattr(_module(), name, None)
    if value is None:
        raise ElectionsUnavailable(f"elections not available: this build's zkmed.elections has no {name}")
    return value


def available() -> bool:
    try:
        _need("check_ballot_submission"), ballot_entry_type(), _need("result")
    except ElectionsUnavailable:
        return False
    return True


def submission_index() -> Any:
    """A new ``SubmissionIndex`` of the package (None when it has none): kept by the writer, one per ledger."""
    cls = getattr(_module(), "SubmissionIndex", None)
    return cls() if callable(cls) else None


def check_ballot(ledger: Any, payload: bytes, index: Any = None) -> None:
    check = _need("check_ballot_submission")
    if index is None:
        check(ledger, payload)
    else:
        check(ledger, payload, index=index)


def ballot_entry_type() -> str:
    value = getattr(_module(), "BALLOT_ENTRY_TYPE", None)
    if value is None and BALLOT_FORMAT in formats.REGISTRY:
        value = BALLOT_FORMAT.removeprefix("zkmed.")
    if not isinstance(value, str):
        raise ElectionsUnavailable("elections not available: this build's zkmed.elections has no ballot entry type")
    return value


def ballot_intake() -> str:
    """The ballot entry type, once ballots can be checked (ElectionsUnavailable otherwise: 501 before the body is read)."""
    _need("check_ballot_submission")
    return ballot_entry_type()


def confirmation_code_function() -> Callable[[bytes], str]:
    fn = getattr(_module(), "confirmation_code", None)
    return fn if callable(fn) else default_confirmation_code


def ballot_key_function() -> Callable[[bytes], str] | None:
    """``ballot_key(payload)``: what must be unique among ballots appended together (lets them be group-committed)."""
    fn = getattr(_module(), "ballot_key", None)
    return fn if callable(fn) else None


def confirmation_code(payload: bytes) -> str:
    return confirmation_code_function()(payload)


def code_normalizer() -> Callable[[str], str]:
    """The key a confirmation code is compared by: ``parse_confirmation_code(code)`` (hex) when the package has it."""
    parse = getattr(_module(), "parse_confirmation_code", None)
    if not callable(parse):
        return lambda code: code

    def normalize(code: str) -> str:
        return bytes(parse(code)).hex()

    return normalize


def election_prefix() -> str:
    value = getattr(_module(), "ENTRY_TYPE_PREFIX", None)
    return value if isinstance(value, str) and value else DEFAULT_PREFIX


def result(ledger: Any) -> dict[str, Any]:
    value = _need("result")(ledger)
    if not isinstance(value, dict):
        raise ElectionsUnavailable("elections not available: result() did not return a dict")
    return value


def contests(doc: dict[str, Any]) -> list[tuple[str, list[tuple[str, int]]]]:
    """The chartable part of a result: ``[(contest title, [(option label, votes)…])…]``.

    Reads ``{"contests": [{"title"|"name"|"id": …, "options"|"selections": [{"label"|"name"|"id": …,
    "votes"|"count"|"tally": int}…]}…]}``; anything else gives an empty list (the page then shows the JSON only).
    """
    out: list[tuple[str, list[tuple[str, int]]]] = []
    items = doc.get("contests")
    if isinstance(items, dict):  # {contest id: {option: votes}}
        for title, options in items.items():
            if isinstance(options, dict):
                rows = [(str(k), v) for k, v in options.items() if _count(v)]
                out.append((str(title), rows))
        return out
    if not isinstance(items, list):
        return out
    for i, contest in enumerate(items):
        if not isinstance(contest, dict):
            continue
        title = _first(contest, ("title", "name", "id"), f"contest {i + 1}")
        options = contest.get("options", contest.get("selections"))
        rows = []
        for j, option in enumerate(options if isinstance(options, list) else []):
            if not isinstance(option, dict):
                continue
            votes = next((option[k] for k in ("votes", "count", "tally") if k in option), None)
            if _count(votes):
                rows.append((_first(option, ("label", "name", "id"), f"option {j + 1}"), votes))
        out.append((title, rows))
    return out


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _first(obj: dict[str, Any], keys: tuple[str, ...], default: str) -> str:
    for key in keys:
        if isinstance(obj.get(key), (str, int)) and not isinstance(obj.get(key), bool):
            return str(obj[key])
    return default
