"""The one error hierarchy of zkmed.

Every failure that a caller, an auditor or the CLI can meet is a subclass of
:class:`ZkmedError`.  Each class carries a stable machine-readable ``code``
(documented in ``docs/errors.md``) and a user-facing message; the CLI turns
any ``ZkmedError`` into that message and the class's ``exit_code`` in exactly
one place (``cli/main.py``).

Rules the rest of the code base follows:

* verification functions return ``None`` or raise :class:`VerificationError`;
  they never return a boolean;
* decoders raise :class:`MalformedInput` (also a ``ValueError``) for bad bytes,
  bad JSON or bad parameters, never ``IndexError`` / ``AssertionError``;
* provers raise :class:`ProvingError` when asked to prove something false
  (for instance a value outside the claimed range).

    ZkmedError
    ├── VerificationError          a proof / signature / chain check failed
    │   └── ForkDetected           two validly signed blocks at one height
    ├── MalformedInput (ValueError) bytes / JSON / parameters do not parse
    │   └── UnsupportedVersion     a newer format or store schema
    ├── ProvingError               the prover refuses: the witness does not satisfy the statement
    ├── BackendUnavailable         a group backend's library is missing
    └── LedgerError                a ledger store cannot perform the operation
"""

from __future__ import annotations

from typing import ClassVar


class ZkmedError(Exception):
    """Root of every error zkmed raises on purpose."""

    code: ClassVar[str] = "zkmed-error"
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: the place the problem was found (a field, an entry index, a block height)
        self.where = where

    def diagnostic(self) -> str:
        """One line for a person: what failed and where."""
        if self.where:
            return f"{self.message} (at {self.where})"
        return self.message


class VerificationError(ZkmedError):
    """A proof, signature, Merkle path or chain invariant did not check out."""

    code = "verification-failed"
    exit_code = 2


class ForkDetected(VerificationError):
    """Two validly signed, conflicting blocks exist at one height.

    ``evidence`` holds both blocks' canonical bytes so that the fork can be
    shown to anyone.
    """

    code = "fork-detected"
    exit_code = 3

    def __init__(self, message: str, *, evidence: tuple[bytes, bytes], where: str | None = None) -> None:
        super().__init__(message, where=where)
        self.evidence = evidence


class MalformedInput(ZkmedError, ValueError):
    """Input bytes, JSON or parameters are not in the canonical, valid form."""

    code = "malformed-input"
    exit_code = 4


class UnsupportedVersion(MalformedInput):
    """A format, proof or store schema version this build does not know."""

    code = "unsupported-version"


class ProvingError(ZkmedError):
    """The prover refuses: the witness does not satisfy the statement."""

    code = "proving-refused"
    exit_code = 5


class BackendUnavailable(ZkmedError):
    """A group backend's underlying library is not installed or failed to load."""

    code = "backend-unavailable"
    exit_code = 6


class LedgerError(ZkmedError):
    """The ledger store cannot do what was asked (locked, missing, wrong genesis...)."""

    code = "ledger-error"
    exit_code = 7


ALL_ERRORS: tuple[type[ZkmedError], ...] = (
    ZkmedError,
    VerificationError,
    ForkDetected,
    MalformedInput,
    UnsupportedVersion,
    ProvingError,
    BackendUnavailable,
    LedgerError,
)
