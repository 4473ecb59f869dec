"""Which family verifies which entry types: the dispatch table of the whole-ledger verifier.

A :class:`Family` owns entry types (exact names, or prefixes ending in ``.`` or ``/``) and starts a :class:`FamilyRun`
per verification: it is fed the family's entries in ledger order, emits work units, and turns the findings into
numbered steps.  Types no family owns fail step A2 (``docs/verification.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from zkmed.audit.report import Finding, Step
from zkmed.audit.work import WorkUnit
from zkmed.ledger.entries import Entry


class FamilyRun(Protocol):
    def feed(self, entry: Entry) -> Iterable[WorkUnit]:
        """Take one entry of the family (in ledger order); may emit units that are ready."""
        ...

    def close(self) -> Iterable[WorkUnit]:
        """No more entries: emit the remaining units."""
        ...

    def take(self, data: Any) -> None:
        """The ``data`` of one of its units' :class:`~zkmed.audit.work.Outcome` (in unit order); most ignore it."""
        ...

    def finish(self, findings: tuple[Finding, ...]) -> list[Step]:
        """The family's steps, given the findings of all its units (in entry order)."""
        ...


@dataclass(frozen=True)
class Family:
    name: str
    types: tuple[str, ...]
    start: Callable[[], FamilyRun]

    def owns(self, entry_type: str) -> bool:
        return any(entry_type == t or (t.endswith((".", "/")) and entry_type.startswith(t)) for t in self.types)


#: every family, in the order their steps are reported
FAMILIES: list[Family] = []


def family_of(entry_type: str, families: Iterable[Family] | None = None) -> Family | None:
    for family in FAMILIES if families is None else families:
        if family.owns(entry_type):
            return family
    return None
