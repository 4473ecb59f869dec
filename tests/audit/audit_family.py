"""A test family for the whole-ledger verifier: ``test.item`` entries whose payload must start with b"ok"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from zkmed.audit.families import Family
from zkmed.audit.report import Finding, Step
from zkmed.audit.work import WorkUnit
from zkmed.ledger.entries import Entry

TYPE = "test.item"
BATCH = 7


def check_items(context: bytes, items: Sequence[tuple[int, bytes]]) -> list[Finding]:
    return [
        Finding(index, f"payload does not start with {context!r}")
        for index, data in items
        if not data.startswith(context)
    ]


class _Run:
    def __init__(self) -> None:
        self.batch: list[tuple[int, bytes]] = []
        self.count = 0

    def feed(self, entry: Entry) -> Iterable[WorkUnit]:
        self.batch.append((entry.seq, entry.payload))
        self.count += 1
        if len(self.batch) >= BATCH:
            yield from self.close()

    def close(self) -> Iterable[WorkUnit]:
        if self.batch:
            yield WorkUnit(f"{__name__}:check_items", b"ok", tuple(self.batch))
            self.batch = []

    def take(self, data: object) -> None:
        pass

    def finish(self, findings: tuple[Finding, ...]) -> list[Step]:
        return [Step("X1", "every item is ok", findings, detail=f"{self.count} items")]


FAMILY = Family("test-items", (TYPE,), _Run)
