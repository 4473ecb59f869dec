"""zkmed's append-only ledger: RFC 9162 Merkle tree, signed blocks, C2SP checkpoints and receipts.

One concept per module (each module's docstring says which).  The written spec
is ``docs/ledger.md`` (model, sealing, byte layouts, the numbered verification
steps); exported formats are listed in ``docs/formats.md`` §Ledger.
"""

from zkmed.ledger.audit import AuditReport, audit_directory, audit_store
from zkmed.ledger.authorities import AUTHORITY_CHANGE_TYPE, Authority, AuthorityChange, AuthoritySet
from zkmed.ledger.blocks import Block
from zkmed.ledger.checkpoint import Checkpoint, SignedCheckpoint, TrustPolicy, verify_checkpoint
from zkmed.ledger.entries import Entry
from zkmed.ledger.fork import ForkEvidence, verify_fork_evidence
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.ledger import Appended, Ledger
from zkmed.ledger.receipt import ConsistencyProof, TlogProof, verify_consistency_proof, verify_receipt
from zkmed.ledger.sealing import SealPolicy
from zkmed.ledger.store import Store
from zkmed.ledger.summary import summary
from zkmed.ledger.sync import StoreSource, SyncReport, sync, sync_directories

__all__ = [
    "AUTHORITY_CHANGE_TYPE",
    "Appended",
    "AuditReport",
    "Authority",
    "AuthorityChange",
    "AuthorityKey",
    "AuthoritySet",
    "Block",
    "Checkpoint",
    "ConsistencyProof",
    "Entry",
    "ForkEvidence",
    "Ledger",
    "SealPolicy",
    "SignedCheckpoint",
    "Store",
    "StoreSource",
    "SyncReport",
    "TlogProof",
    "TrustPolicy",
    "audit_directory",
    "audit_store",
    "summary",
    "sync",
    "sync_directories",
    "verify_checkpoint",
    "verify_consistency_proof",
    "verify_fork_evidence",
    "verify_receipt",
]
