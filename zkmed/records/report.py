"""The verifier's report (format ``zkmed.records.verify-report``): what ``record verify --json`` prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zkmed.errors import VerificationError, ZkmedError
from zkmed.formats import RECORDS_VERIFY_REPORT

__all__ = ["Report"]


@dataclass
class Report:
    """What a verification found: revealed values, each predicate's result, policies, the first failure."""

    issuer: str = ""
    holder: str = ""
    nonce: str = ""
    audience: str = ""
    date: str = ""
    revealed: list[dict[str, Any]] = field(default_factory=list)
    predicates: list[dict[str, Any]] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)
    consent: str | None = None
    audit_index: int | None = None
    error: ZkmedError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def fail(self, exc: ZkmedError) -> None:
        if self.error is None:
            self.error = exc

    def fail_predicate(self, result: dict[str, Any], exc: ZkmedError) -> None:
        """Mark one predicate's ``result`` failed with the reason; the report fails with a VerificationError."""
        result["result"] = "failed"
        result["reason"] = exc.diagnostic()
        self.fail(exc if isinstance(exc, VerificationError) else VerificationError(exc.diagnostic()))

    def to_json(self) -> dict[str, Any]:
        return {
            **RECORDS_VERIFY_REPORT.json_header(),
            "valid": self.ok,
            "error": None if self.error is None else self.error.diagnostic(),
            "issuer": self.issuer,
            "holder": self.holder,
            "nonce": self.nonce,
            "audience": self.audience,
            "date": self.date,
            "revealed": self.revealed,
            "predicates": self.predicates,
            "policies": self.policies,
            "consent": self.consent,
            "audit_index": self.audit_index,
        }
