"""Format ids: every byte string and JSON object that leaves the library says what it is.

Binary artifacts start with the header ``"ZK" || u16be code || u8 version``
(:class:`Format`); JSON artifacts carry ``"type"`` and ``"version"`` members.  This
module owns only the header and the registry of ids (:data:`REGISTRY`); each body is
defined by its owning module, and all are listed in ``docs/formats.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zkmed.errors import MalformedInput, UnsupportedVersion

__all__ = ["HEADER_SIZE", "MAGIC", "REGISTRY", "Format", "get_format", "peek", "peek_json", "register"]

MAGIC = b"ZK"
HEADER_SIZE = 5


@dataclass(frozen=True)
class Format:
    """One registered artifact format: ``name`` (JSON ``type``), binary ``code``, current ``version``."""

    name: str
    code: int
    version: int
    owner: str  # the module that defines the body

    # --------------------------------------------------------------- binary

    @property
    def header(self) -> bytes:
        return MAGIC + self.code.to_bytes(2, "big") + bytes([self.version])

    def wrap(self, body: bytes) -> bytes:
        """``header || body``."""
        return self.header + body

    def unwrap(self, data: Any) -> bytes:
        """The body of ``data``; MalformedInput unless it is this format, UnsupportedVersion for another version."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise MalformedInput(f"{self.name}: expected bytes, got {type(data).__name__}")
        data = bytes(data)
        found = peek(data)
        if found.code != self.code:
            raise MalformedInput(f"expected a {self.name}, got a {found.name}")
        version = data[4]
        if version != self.version:
            raise UnsupportedVersion(
                f"{self.name} version {version} is not supported (this build reads {self.version})"
            )
        return data[HEADER_SIZE:]

    # --------------------------------------------------------------- JSON

    def json_header(self) -> dict[str, Any]:
        """``{"type": name, "version": version}``: the first members of every JSON object of this format."""
        return {"type": self.name, "version": self.version}

    def check_json(self, obj: Any) -> None:
        """MalformedInput unless ``obj`` is a JSON object of this format; UnsupportedVersion for another version."""
        found = peek_json(obj)
        if found.name != self.name:
            raise MalformedInput(f"expected a {self.name}, got a {found.name}")
        if obj["version"] != self.version:
            raise UnsupportedVersion(
                f"{self.name} version {obj['version']} is not supported (this build reads {self.version})"
            )


REGISTRY: dict[str, Format] = {}
_BY_CODE: dict[int, Format] = {}


def register(name: str, code: int, version: int, owner: str) -> Format:
    """Register a format (import time of the owning module); names and codes are unique."""
    if name in REGISTRY or code in _BY_CODE:
        existing = REGISTRY.get(name) or _BY_CODE[code]
        if existing == Format(name, code, version, owner):
            return existing
        raise ValueError(f"format {name!r} / code {code} registered twice")  # a programming error
    fmt = Format(name, code, version, owner)
    REGISTRY[name] = _BY_CODE[code] = fmt
    return fmt


def get_format(name: str) -> Format:
    fmt = REGISTRY.get(name) if isinstance(name, str) else None
    if fmt is None:
        raise MalformedInput(f"unknown format {name!r}")
    return fmt


def peek(data: bytes) -> Format:
    """The registered format a binary artifact announces (its version is not checked here)."""
    if len(data) < HEADER_SIZE or data[:2] != MAGIC:
        raise MalformedInput("not a zkmed artifact: the 'ZK' header is missing")
    fmt = _BY_CODE.get(int.from_bytes(data[2:4], "big"))
    if fmt is None:
        raise MalformedInput(f"unknown zkmed format code {int.from_bytes(data[2:4], 'big')}")
    return fmt


def peek_json(obj: Any) -> Format:
    """The registered format a JSON artifact announces in ``type`` (``version`` must be an integer)."""
    if not isinstance(obj, Mapping):
        raise MalformedInput("a zkmed JSON artifact must be an object")
    name, version = obj.get("type"), obj.get("version")
    if not isinstance(name, str):
        raise MalformedInput("a zkmed JSON artifact needs a string 'type'")
    if not isinstance(version, int) or isinstance(version, bool):
        raise MalformedInput(f"{name}: 'version' must be an integer")
    fmt = REGISTRY.get(name)
    if fmt is None:
        raise MalformedInput(f"unknown zkmed format {name!r}")
    return fmt


# ---------------------------------------------------------------------------
# The registry.  Codes are permanent: never reuse one.  Owners define the body.

# proofs (zkmed.proofs)
DLOG_PROOF = register("zkmed.proof.dlog", 0x0101, 1, "zkmed.proofs.sigma_wire")
DLEQ_PROOF = register("zkmed.proof.dleq", 0x0102, 1, "zkmed.proofs.sigma_wire")
OPENING_PROOF = register("zkmed.proof.opening", 0x0103, 1, "zkmed.proofs.sigma_wire")
EQUALITY_PROOF = register("zkmed.proof.equality", 0x0104, 1, "zkmed.proofs.sigma_wire")
BIT_PROOF = register("zkmed.proof.bit", 0x0105, 1, "zkmed.proofs.sigma_wire")
MEMBERSHIP_PROOF = register("zkmed.proof.membership", 0x0106, 1, "zkmed.proofs.sigma_wire")
VECTOR_OPENING_PROOF = register("zkmed.proof.vector-opening", 0x0107, 1, "zkmed.proofs.sigma_wire")
VECTOR_EQUALITY_PROOF = register("zkmed.proof.vector-equality", 0x0108, 1, "zkmed.proofs.sigma_wire")
RANGE_PROOF = register("zkmed.proof.range", 0x0110, 1, "zkmed.hazmat.bulletproofs.proof")
SMALL_RANGE_PROOF = register("zkmed.proof.small-range", 0x0111, 1, "zkmed.proofs.small_range")
# commitments (zkmed.hazmat.commitments)
COMMITMENT = register("zkmed.commitment", 0x0201, 1, "zkmed.hazmat.commitments")
PEDERSEN_PARAMS = register("zkmed.pedersen-params", 0x0202, 1, "zkmed.hazmat.commitments")
# ledger (zkmed.ledger); standard text formats (C2SP signed notes, checkpoints, tlog-proof receipts) are not wrapped
LEDGER_ENTRY = register("zkmed.ledger.entry", 0x0301, 1, "zkmed.ledger.entries")
LEDGER_BLOCK = register("zkmed.ledger.block", 0x0302, 1, "zkmed.ledger.blocks")
LEDGER_CONSISTENCY_PROOF = register("zkmed.ledger.consistency-proof", 0x0303, 1, "zkmed.ledger.receipt")
LEDGER_FORK_EVIDENCE = register("zkmed.ledger.fork-evidence", 0x0304, 1, "zkmed.ledger.fork")
LEDGER_TRUST_POLICY = register("zkmed.ledger.trust-policy", 0x0305, 1, "zkmed.ledger.checkpoint")
LEDGER_SHOW = register("zkmed.ledger.show", 0x0306, 1, "zkmed.ledger.summary")
LEDGER_VERIFY_REPORT = register("zkmed.ledger.verify-report", 0x0307, 1, "zkmed.ledger.audit")
LEDGER_SECRET_KEY = register("zkmed.ledger.secret-key", 0x0308, 1, "zkmed.ledger.keys")
LEDGER_STORE = register("zkmed.ledger.store", 0x0309, 2, "zkmed.ledger.store_sqlite")
LEDGER_STORE_PG = register("zkmed.ledger.store-pg", 0x030A, 2, "zkmed.ledger.store_pg")
LEDGER_STORE_URL = register("zkmed.ledger.store-url", 0x030B, 1, "zkmed.ledger.stores")

# elections (zkmed.elections): codes 0x0401-0x04FF
# E1 (key ceremony, threshold decryption): 0x0401-0x040F
CEREMONY_ROUND1 = register("zkmed.election.ceremony-round1", 0x0401, 1, "zkmed.elections.ceremony_messages")
CEREMONY_ROUND2 = register("zkmed.election.ceremony-round2", 0x0402, 1, "zkmed.elections.ceremony_messages")
CEREMONY_ROUND3 = register("zkmed.election.ceremony-round3", 0x0403, 1, "zkmed.elections.ceremony_messages")
CEREMONY_ANSWER = register("zkmed.election.ceremony-answer", 0x0404, 1, "zkmed.elections.ceremony_messages")
ELECTION_JOINT_KEY = register("zkmed.election.joint-key", 0x0405, 1, "zkmed.elections.ceremony_keys")
ELECTION_TRUSTEE_KEY = register("zkmed.election.trustee-key", 0x0406, 1, "zkmed.elections.ceremony_keys")
ELECTION_PARTIAL_DECRYPTION = register("zkmed.election.partial-decryption", 0x0407, 1, "zkmed.elections.decryption")
CEREMONY_STATE = register("zkmed.election.ceremony-state", 0x0408, 1, "zkmed.elections.ceremony_trustee")
# E2 (ballots, tally, verifier): 0x0410-0x04FF
ELECTION_PARAMETERS = register("zkmed.election.parameters", 0x0410, 1, "zkmed.elections.board")
ELECTION_BASE = register("zkmed.election.base", 0x0411, 1, "zkmed.elections.board")
ELECTION_CREDENTIALS = register("zkmed.election.credentials", 0x0412, 2, "zkmed.elections.credentials")
ELECTION_BALLOT = register("zkmed.election.ballot", 0x0413, 1, "zkmed.elections.ballot")
ELECTION_SPOIL = register("zkmed.election.spoil", 0x0414, 1, "zkmed.elections.ballot")
ELECTION_TALLY = register("zkmed.election.tally", 0x0415, 2, "zkmed.elections.tally")
ELECTION_RESULT = register("zkmed.election.result", 0x0416, 1, "zkmed.elections.tally")
ELECTION_VOTER_KEY = register("zkmed.election.voter-key", 0x0417, 1, "zkmed.elections.credentials")
ELECTION_VERIFY_REPORT = register("zkmed.election.verify-report", 0x0418, 1, "zkmed.elections.verifier")
ELECTION_SELECTION_PROOF = register("zkmed.election.selection-proof", 0x0419, 1, "zkmed.elections.ballot_proofs")

# ElectionGuard 2.0 records (zkmed.electionguard): codes 0x0501-0x05FF
ELECTIONGUARD_VERIFY_REPORT = register("zkmed.electionguard.verify-report", 0x0501, 1, "zkmed.electionguard.report")

# medical records (zkmed.records): codes 0x0601-0x06FF
# - keys, credentials, presentations (R1): 0x0601-0x061F
RECORDS_PUBLIC_KEY = register("zkmed.records.public-key", 0x0601, 1, "zkmed.records.keys")
RECORDS_SECRET_KEY = register("zkmed.records.secret-key", 0x0602, 1, "zkmed.records.keys")
RECORDS_CREDENTIAL = register("zkmed.records.credential", 0x0603, 1, "zkmed.records.credential")
RECORDS_PRESENTATION = register("zkmed.records.presentation", 0x0604, 1, "zkmed.records.presentation")
RECORDS_ATTRIBUTES = register("zkmed.records.attributes", 0x0605, 1, "zkmed.records.credential")
RECORDS_VERIFY_REPORT = register("zkmed.records.verify-report", 0x0606, 1, "zkmed.records.report")
RECORDS_POLICIES = register("zkmed.records.policies", 0x0607, 1, "zkmed.cli.circuits")
# - consent, access audit, sharing (R2): 0x0620-0x06FF
RECORDS_CONSENT_GRANT = register("zkmed.records.consent-grant", 0x0620, 1, "zkmed.records.fhir_consent")
RECORDS_CONSENT_REVOCATION = register("zkmed.records.consent-revocation", 0x0621, 1, "zkmed.records.fhir_consent")
RECORDS_CONSENT_LIST = register("zkmed.records.consent-list", 0x0622, 1, "zkmed.records.consent")
RECORDS_ACCESS_EVENT = register("zkmed.records.access-event", 0x0628, 1, "zkmed.records.access")
RECORDS_ACCESS_LIST = register("zkmed.records.access-list", 0x0629, 1, "zkmed.records.access")
RECORDS_HPKE_PUBLIC_KEY = register("zkmed.records.hpke-public-key", 0x0630, 1, "zkmed.records.hpke_keys")
RECORDS_HPKE_SECRET_KEY = register("zkmed.records.hpke-secret-key", 0x0631, 1, "zkmed.records.hpke_keys")
RECORDS_SHARED_RECORD = register("zkmed.records.shared-record", 0x0632, 1, "zkmed.records.sharing")
RECORDS_SHARE_ANCHOR = register("zkmed.records.share-anchor", 0x0633, 1, "zkmed.records.sharing")
RECORDS_SHARE_REPORT = register("zkmed.records.share-report", 0x0634, 1, "zkmed.records.sharing")

# the auditor's whole-ledger verifier (zkmed.audit): codes 0x0801-0x08FF
VERIFY_REPORT = register("zkmed.verify-report", 0x0801, 1, "zkmed.audit.report")

# command-line results (zkmed.cli): codes 0x0901-0x09FF
CLI_RESULT = register("zkmed.cli.result", 0x0901, 1, "zkmed.cli.conventions")


# served ledger and bulletin board (zkmed.serve): codes 0x0701-0x07FF
SERVE_WRITE_REQUEST = register("zkmed.serve.write-request", 0x0701, 1, "zkmed.serve.auth")
SERVE_HEAD = register("zkmed.serve.head", 0x0702, 1, "zkmed.serve.api")
SERVE_ENTRY = register("zkmed.serve.entry", 0x0703, 1, "zkmed.serve.public")
SERVE_ENTRIES = register("zkmed.serve.entries", 0x0704, 1, "zkmed.serve.api")
SERVE_APPENDED = register("zkmed.serve.appended", 0x0705, 1, "zkmed.serve.api")
SERVE_ERROR = register("zkmed.serve.error", 0x0706, 1, "zkmed.serve.app")
