"""What ``zkmed ledger show`` reports: the head, the authorities, recent blocks and entries.

:func:`summary` builds the ``zkmed.ledger.show`` document (``docs/formats.md``
§Ledger).  It reads a store it does not verify and never needs secret keys.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from zkmed.encoding import b64_encode
from zkmed.formats import LEDGER_SHOW
from zkmed.ledger.store import check_index

if TYPE_CHECKING:  # pragma: no cover
    from zkmed.ledger.ledger import Ledger

MAX_LIMIT = 10_000


def summary(ledger: Ledger, limit: int = 10) -> dict[str, Any]:
    """The ``show`` document for the ``limit`` most recent blocks and entries (``0 ≤ limit ≤ 10,000``)."""
    check_index(limit, "limit", 0, MAX_LIMIT)
    state = ledger.state
    blocks = []
    for h in range(max(1, state.height - limit + 1), state.height + 1):
        b = ledger.block(h)
        signers = b.signatures.signers(state.sets.get(b.authority_set_hash, state.authorities))
        blocks.append(
            {
                "height": h,
                "time_ms": b.time_ms,
                "tree_size": b.tree_size,
                "root": b64_encode(b.root),
                "signers": signers,
                "hash": b.hash().hex(),
            }
        )
    entries = []
    pending = ledger.pending
    end = state.tree_size + pending
    for seq in range(max(0, end - limit), end):
        e = ledger.entry(seq)
        digest = hashlib.sha256(e.payload).hexdigest()
        entries.append(
            {"seq": seq, "type": e.type, "size": len(e.payload), "sha256": digest, "sealed": seq < state.tree_size}
        )
    latest = ledger.latest_checkpoint()
    return {
        **LEDGER_SHOW.json_header(),
        "origin": ledger.origin,
        "ledger_id": ledger.ledger_id.hex(),
        "height": state.height,
        "entries": state.tree_size,
        "pending": pending,
        "root": b64_encode(state.head.root),
        "threshold": state.authorities.threshold,
        "authorities": [a.name for a in state.authorities.authorities],
        "keys_held": len(ledger.keys),
        "latest_checkpoint": None if latest is None else latest.checkpoint.tree_size,
        "blocks": blocks,
        "recent_entries": entries,
    }
