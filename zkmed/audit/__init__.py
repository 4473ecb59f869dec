"""The auditor's whole-ledger verifier (``zkmed verify``): the ledger itself, then every payload by its type.

``verify_ledger`` checks the chain, signatures and checkpoints (``zkmed.ledger.audit``), then streams the entries
in chunks and hands each to the *family* that owns its type (``families``); a family turns entries into
:class:`~zkmed.audit.work.WorkUnit` batches of bytes that run here, in local processes (``jobs``) or on a Dask
cluster (``scheduler``), and folds the findings into numbered steps.  An entry type no family owns is a failure,
never skipped.  The report is the ``zkmed.verify-report`` document (``docs/formats.md``).
"""

from zkmed.audit import elections, records
from zkmed.audit.families import FAMILIES
from zkmed.audit.report import Finding, Report, Step
from zkmed.audit.verify import verify_ledger
from zkmed.audit.work import WorkUnit

__all__ = ["Finding", "Report", "Step", "WorkUnit", "verify_ledger"]

FAMILIES.extend([elections.FAMILY, records.FAMILY])
