"""The whole-ledger verifier's report: numbered steps with verdicts, and the findings that failed them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zkmed.formats import VERIFY_REPORT


@dataclass(frozen=True, order=True)
class Finding:
    """One failed check: the ledger entry it is about (``None``: the ledger as a whole) and the reason."""

    index: int | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "reason": self.reason}


@dataclass(frozen=True)
class Step:
    """A numbered verification step (``docs/verification.md``) and its verdict: passed when no finding."""

    number: str
    name: str
    findings: tuple[Finding, ...] = ()
    #: what the step covered (e.g. "1,234 ballots"), for the human report
    detail: str = ""
    #: a step that did not apply (e.g. no election on this ledger) says so instead of passing silently
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def verdict(self) -> str:
        return "failed" if self.findings else ("not applicable" if self.skipped else "passed")

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "verdict": self.verdict,
            "detail": self.detail,
            "findings": [f.to_json() for f in sorted(self.findings, key=_finding_key)],
        }


def _finding_key(f: Finding) -> tuple[int, str]:
    return (-1 if f.index is None else f.index, f.reason)


@dataclass(frozen=True)
class Report:
    """Every step, in order; ``ok`` only when every step passed (or did not apply)."""

    steps: tuple[Step, ...]
    entries: int
    anchored: bool
    warning: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    def first_failure(self) -> tuple[Step, Finding] | None:
        for step in self.steps:
            if step.findings:
                return step, min(step.findings, key=_finding_key)
        return None

    def to_json(self) -> dict[str, Any]:
        """The ``zkmed.verify-report`` document (timings in ``meta`` are left out: the report is reproducible)."""
        return VERIFY_REPORT.json_header() | {
            "ok": self.ok,
            "entries": self.entries,
            "trust": {"anchor": "policy"} if self.anchored else {"anchor": "none", "warning": self.warning},
            "steps": [step.to_json() for step in self.steps],
        }


def merge_findings(groups: Sequence[Sequence[Finding]]) -> tuple[Finding, ...]:
    """All findings of many work units, in entry order (the same whatever ran them, and in whatever order)."""
    return tuple(sorted((f for group in groups for f in group), key=_finding_key))
