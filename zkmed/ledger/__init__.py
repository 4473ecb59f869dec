"""zkmed's append-only ledger: RFC 9162 Merkle tree, signed blocks, C2SP checkpoints and receipts.

Modules (one concept each; see ``docs/ledger.md`` for byte layouts and the
numbered verification steps)::

    merkle        RFC 9162 hashes, reference proofs and strict verifiers
    tree          O(log n) roots and proofs from stored perfect-subtree hashes; the growing frontier
    entries       typed entries and their canonical bytes (the Merkle leaves)
    keys          authority secret keys and key files (mode 0600, redacted repr)
    authorities   authority sets, k-of-n signatures, signed authority changes
    blocks        the signed block format and genesis info
    chain         the chain rules (genesis G1–G2, blocks B1–B10)
    note          C2SP signed notes, key IDs, vkeys
    checkpoint    C2SP tlog-checkpoints with tlog-cosignature v1 lines; trust policies
    receipt       C2SP tlog-proof inclusion receipts; consistency proof files
    store         the Store protocol every backend implements (index checks, node layout rule)
    store_sqlite  the crash-safe SQLite store
    directory     a ledger directory's files, created all or nothing
    rows          the append hot path: items to checked entries and their Merkle nodes
    sealing       when entries are sealed: SealPolicy (deferred sealing), Appended, the pending tail
    ledger        the high-level Ledger (init / open / append / seal), read-only unless given keys
    proving       checkpoints, inclusion receipts and consistency proofs of a Ledger
    summary       what `ledger show` reports (the zkmed.ledger.show document)
    audit         full re-verification of a store against the auditor's trust anchor (`ledger verify`)
    fork          fork evidence documents
    sync          replicas and fork detection (`ledger sync`)

Every exported artifact has a format id and version (``zkmed/formats.py``,
codes 0x0301–0x0309; listed in ``docs/formats.md``).
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
