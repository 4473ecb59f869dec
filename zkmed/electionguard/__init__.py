"""Independent verification of ElectionGuard 2.0 election records (egk JSON layout).

    from zkmed.electionguard import check_record, verify_record
    report = check_record("path/to/record", jobs=2)   # every step of §6.2, each failure located
    verify_record("path/to/record")                    # None, or VerificationError naming the failed steps

Loading is strict (:mod:`.record`, :mod:`.fields`): a record that cannot be read raises ``MalformedInput``; one that
uses ballot chaining or pre-encrypted ballots raises ``UnsupportedVersion``.  Steps, departures of the data from the
PDF and what is not supported: ``docs/electionguard.md``.
"""

from __future__ import annotations

from zkmed.electionguard.record import Record, load_record
from zkmed.electionguard.report import STEPS, Failure, Report, StepResult
from zkmed.electionguard.verify import check_record, verify_record

__all__ = ["STEPS", "Failure", "Record", "Report", "StepResult", "check_record", "load_record", "verify_record"]
