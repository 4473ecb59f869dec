"""The medical-records family of ``zkmed verify``: steps R1–R4 (``docs/verification.md`` §A).

R1 consent grants, R2 revocations, R3 access-audit entries, R4 share anchors.  Every entry must decode in its
canonical form; signatures are the patient's (checked in work units, a batch per entry type); then, here, in
ledger order: a revocation names an earlier grant of the same patient; a *successful* access names an earlier
grant of that patient to that grantee which was not revoked before it, whose period holds the access time and
which covers every policy and attribute read (the full record for ``open``); a share anchor names an earlier
full-record grant of the same patient.  Findings name entries only — never an attribute value (there are none).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from zkmed.audit.families import Family
from zkmed.audit.report import Finding, Step
from zkmed.audit.work import WorkUnit
from zkmed.errors import ZkmedError
from zkmed.ledger.entries import Entry
from zkmed.records.access import ACCESS_ENTRY, AccessEvent
from zkmed.records.consent import GRANT_ENTRY, REVOCATION_ENTRY
from zkmed.records.fhir_consent import Grant, Revocation
from zkmed.records.sharing import SHARE_ENTRY, ShareAnchor

#: entries per work unit (one ECDSA verification each, ≈ 0.1 ms)
BATCH = 1000
_PARSERS: dict[str, Any] = {
    GRANT_ENTRY: Grant.from_payload,
    REVOCATION_ENTRY: Revocation.from_payload,
    ACCESS_ENTRY: AccessEvent.from_payload,
    SHARE_ENTRY: ShareAnchor.from_payload,
}
_STEPS = (
    ("R1", "consent grants", GRANT_ENTRY),
    ("R2", "consent revocations", REVOCATION_ENTRY),
    ("R3", "access-audit entries", ACCESS_ENTRY),
    ("R4", "record-share anchors", SHARE_ENTRY),
)


def check_signed(context: bytes, items: Sequence[tuple[int, bytes]]) -> list[Finding]:
    """Work-unit runner: entries of one type (the context) decode canonically and carry the patient's signature."""
    parse = _PARSERS.get(context.decode("ascii", "replace"))
    out = []
    for index, payload in items:
        try:
            if parse is None:
                raise ZkmedError(f"no records entry type {context!r}")
            item = parse(payload, index)
            if hasattr(item, "verify"):
                item.verify()
        except ZkmedError as exc:
            out.append(Finding(index, exc.message))
    return out


class _RecordsRun:
    def __init__(self) -> None:
        self.pending: dict[str, list[tuple[int, bytes]]] = {t: [] for t in _PARSERS}
        self.entries: list[Entry] = []
        self.count = dict.fromkeys(_PARSERS, 0)

    def feed(self, entry: Entry) -> Iterable[WorkUnit]:
        self.entries.append(entry)
        batch = self.pending.get(entry.type)
        if batch is None:  # a records/… type this verifier does not know
            return
        self.count[entry.type] += 1
        batch.append((entry.seq, entry.payload))
        if len(batch) >= BATCH:
            yield WorkUnit(f"{__name__}:check_signed", entry.type.encode(), tuple(batch))
            batch.clear()

    def close(self) -> Iterable[WorkUnit]:
        for entry_type, batch in self.pending.items():
            if batch:
                yield WorkUnit(f"{__name__}:check_signed", entry_type.encode(), tuple(batch))
                batch.clear()

    def take(self, data: Any) -> None:
        pass  # its units return findings only

    def finish(self, findings: tuple[Finding, ...]) -> list[Step]:
        bad = {f.index for f in findings if f.index is not None}
        by_step: dict[str, list[Finding]] = {t: [] for t in _PARSERS}
        types = {e.seq: e.type for e in self.entries}
        for f in findings:
            if f.index is not None:
                by_step[types[f.index]].append(f)
        unknown = [
            Finding(e.seq, f"unknown records entry type {e.type!r}") for e in self.entries if e.type not in _PARSERS
        ]
        by_step[GRANT_ENTRY].extend(unknown)
        self._relations(bad, by_step)
        return [
            Step(number, name, tuple(by_step[t]), f"{self.count[t]} entries", skipped=not self.count[t])
            for number, name, t in _STEPS
        ]

    def _relations(self, bad: set[int], by_step: dict[str, list[Finding]]) -> None:
        grants: dict[str, Grant] = {}
        revoked: dict[str, int] = {}  # grant id → index of its (valid) revocation
        for e in self.entries:
            if e.seq in bad or e.type not in _PARSERS:
                continue
            item = _PARSERS[e.type](e.payload, e.seq)
            if isinstance(item, Grant):
                grants.setdefault(item.id, item)
            elif isinstance(item, Revocation):
                grant = grants.get(item.grant_id)
                if grant is None or grant.patient != item.patient:
                    by_step[e.type].append(Finding(e.seq, "the revocation names no earlier grant of its patient"))
                else:
                    revoked.setdefault(item.grant_id, e.seq)
            elif isinstance(item, AccessEvent):
                if item.outcome == "success":
                    why = _access_problem(item, grants, revoked)
                    if why:
                        by_step[e.type].append(Finding(e.seq, f"a successful access without consent: {why}"))
            elif isinstance(item, ShareAnchor):
                grant = grants.get(item.grant_id)
                if grant is None or grant.patient != item.patient or not grant.full_record:
                    by_step[e.type].append(
                        Finding(e.seq, "the share names no earlier full-record grant of its patient")
                    )


def _access_problem(event: AccessEvent, grants: dict[str, Grant], revoked: dict[str, int]) -> str:
    """Why the successful ``event`` was not covered by an active grant at its time ("" when it was)."""
    grant = grants.get(event.grant or "")
    if grant is None:
        return "it names no earlier consent grant"
    if grant.patient.fingerprint != event.patient or grant.grantee != event.grantee:
        return "the grant is for another patient or grantee"
    if grant.provision != "permit":
        return "the grant is a refusal (deny)"
    if grant.id in revoked:
        return f"the grant was revoked at entry {revoked[grant.id]}"
    if not grant.start_ms <= event.at_ms < grant.end_ms:
        return "the access time is outside the grant's period"
    missing = grant.missing(event.attributes, event.policies, event.action == "open")
    return f"the grant does not cover {', '.join(missing)}" if missing else ""


FAMILY = Family("records", ("records/",), _RecordsRun)
