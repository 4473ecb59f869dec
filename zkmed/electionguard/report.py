"""The verification report: one entry per ElectionGuard 2.0 verification step, with every failure located.

JSON form (format ``zkmed.electionguard.verify-report``, code 0x0501, version 1; ``docs/formats.md``)::

    {"type": "zkmed.electionguard.verify-report", "version": 1, "record": DIR, "ok": bool,
     "ballots": N, "cast": N, "challenged": N, "jobs": N, "duration_us": N, "ballots_per_second": N,
     "steps": [{"step": "V5", "name": …, "status": "pass"|"fail"|"not-present", "checked": N, "duration_us": N,
                "note": …, "failure_count": N, "failures": [{"file": …, "object": …, "reason": …}, …]}, …]}

Integers only (canonical JSON); ``ballots_per_second`` is rounded down.  A step's ``duration_us`` is the time
spent in that step summed over the processes that ran it (with ``--jobs 2`` it can exceed the wall time); the
document's ``duration_us`` is the wall time of the whole run.

``failures`` lists at most :data:`MAX_FAILURES_LISTED` entries per step; ``failure_count`` gives the total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zkmed.formats import ELECTIONGUARD_VERIFY_REPORT as REPORT_FORMAT

__all__ = ["MAX_FAILURES_LISTED", "REPORT_FORMAT", "STEPS", "Failure", "Report", "StepResult"]

MAX_FAILURES_LISTED = 50

#: the 2.0.0 specification's verification numbers (§6.2) and names, in the order they are reported
STEPS: list[tuple[str, str]] = [
    ("V1", "Parameter validation"),
    ("V2", "Guardian public-key validation"),
    ("V3", "Election public-key validation"),
    ("V4", "Extended base hash validation"),
    ("V5", "Well-formedness of selection encryptions"),
    ("V6", "Adherence to vote limits"),
    ("V7", "Validation of confirmation codes (and unique ballot ids)"),
    ("V8", "Correctness of ballot aggregation"),
    ("V9", "Correctness of tally decryptions"),
    ("V10", "Validation of correct decryption of tallies"),
    ("V11", "Correctness of decryptions of contest data (tally)"),
    ("V12", "Correctness of decryptions for challenged ballots"),
    ("V13", "Validation of correct decryption of challenged ballots"),
    ("V14", "Correctness of contest data decryptions for challenged ballots"),
    ("V15-18", "Pre-encrypted ballots"),
]
_NAMES = dict(STEPS)


@dataclass(frozen=True)
class Failure:
    step: str
    file: str
    object: str
    reason: str

    def line(self) -> str:
        where = f"{self.file} {self.object}".strip()
        return f"{where}: {self.reason}" if where else self.reason


@dataclass
class StepResult:
    step: str
    name: str
    status: str  # pass | fail | not-present
    checked: int = 0
    seconds: float = 0.0
    note: str = ""
    failures: list[Failure] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "name": self.name,
            "status": self.status,
            "checked": self.checked,
            "duration_us": int(self.seconds * 1_000_000),
            "note": self.note,
            "failure_count": len(self.failures),
            "failures": [
                {"file": f.file, "object": f.object, "reason": f.reason} for f in self.failures[:MAX_FAILURES_LISTED]
            ],
        }


@dataclass
class Report:
    """What :func:`~zkmed.electionguard.verify.check_record` found; ``ok`` when no step failed."""

    record: str
    steps: list[StepResult]
    ballots: int = 0
    cast: int = 0
    challenged: int = 0
    jobs: int = 1
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(s.status != "fail" for s in self.steps)

    @property
    def failed(self) -> list[StepResult]:
        return [s for s in self.steps if s.status == "fail"]

    def step(self, number: str) -> StepResult:
        for s in self.steps:
            if s.step == number:
                return s
        raise KeyError(number)

    @property
    def ballots_per_second(self) -> float:
        return self.ballots / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            **REPORT_FORMAT.json_header(),
            "record": self.record,
            "ok": self.ok,
            "ballots": self.ballots,
            "cast": self.cast,
            "challenged": self.challenged,
            "jobs": self.jobs,
            "duration_us": int(self.seconds * 1_000_000),
            "ballots_per_second": int(self.ballots_per_second),
            "steps": [s.to_json() for s in self.steps],
        }


def step_name(number: str) -> str:
    return _NAMES[number]
