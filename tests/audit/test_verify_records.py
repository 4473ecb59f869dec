"""zkmed verify over consent, revocations and access audit: R1-R4, and what a dishonest authority could post."""

from __future__ import annotations

from pathlib import Path

import pytest

from zkmed.audit import verify_ledger
from zkmed.ledger import Ledger
from zkmed.records.access import ACCESS_ENTRY, AccessEvent, record_access
from zkmed.records.consent import GRANT_ENTRY, grant_consent, revoke_consent
from zkmed.records.fhir_consent import Grant
from zkmed.records.keys import HolderKey

T0 = 1_790_000_000_000
DAY = 86_400_000


def _steps(board: Path) -> dict[str, tuple[int | None, ...]]:
    with Ledger.open(board) as led:
        report = verify_ledger(led.store)
    return {s.number: tuple(f.index for f in s.findings) for s in report.steps}


@pytest.fixture()
def board(tmp_path: Path):  # type: ignore[no-untyped-def]
    patient, other = HolderKey.generate(), HolderKey.generate()
    with Ledger.init(tmp_path / "b", authorities=3, threshold=2, clock=lambda: T0) as led:
        grant = grant_consent(led, patient, grantee="hospital-b", end_ms=T0 + DAY, issued_ms=T0, policies=["adult"])
        record_access(led, grantee="hospital-b", patient=patient.public, policies=["adult"], attributes=[],
                      outcome="success", at_ms=T0 + 1, grant=grant.id)  # fmt: skip
        record_access(led, grantee="hospital-c", patient=patient.public, policies=["adult"], attributes=[],
                      outcome="denied", at_ms=T0 + 2)  # fmt: skip
        revoke_consent(led, patient, grant.id, at_ms=T0 + 3)
    yield tmp_path / "b", patient, other, grant


def test_honest_consent_and_audit_pass(board) -> None:  # type: ignore[no-untyped-def]
    path, *_ = board
    steps = _steps(path)
    assert all(steps[n] == () for n in ("A1", "A2", "R1", "R2", "R3", "R4")), steps


def test_what_a_dishonest_authority_could_post_is_named(board) -> None:  # type: ignore[no-untyped-def]
    path, patient, other, grant = board
    with Ledger.open(path, signing=True) as led:
        after_revocation = record_access(led, grantee="hospital-b", patient=patient.public, policies=["adult"],
                                         attributes=[], outcome="success", at_ms=T0 + 4, grant=grant.id)  # fmt: skip
        uncovered_grant = grant_consent(
            led, patient, grantee="hospital-b", end_ms=T0 + DAY, issued_ms=T0, policies=["adult"]
        )
        uncovered = record_access(led, grantee="hospital-b", patient=patient.public, policies=["diabetes-dx"],
                                  attributes=[], outcome="success", at_ms=T0 + 5, grant=uncovered_grant.id)  # fmt: skip
        forged = Grant.create(other, grantee="hospital-b", end_ms=T0 + DAY, issued_ms=T0, policies=["adult"])
        payload = forged.payload().replace(other.public.fingerprint.encode(), patient.public.fingerprint.encode())
        swapped = led.append(GRANT_ENTRY, payload).first_seq
        no_grant = led.append(ACCESS_ENTRY, AccessEvent("x", patient.public.fingerprint, "verify", "success",
                                                        T0, ("adult",)).payload()).first_seq  # fmt: skip
    steps = _steps(path)
    assert set(steps["R3"]) == {after_revocation, uncovered, no_grant}
    assert swapped in steps["R1"]
