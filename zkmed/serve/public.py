"""What the public sees of an entry: everything but the payloads of medical entry types.

Entries whose type starts with one of :data:`WITHHELD_PREFIXES` (consent,
access audit, credentials and records: they belong to the consortium) are
shown by sequence number and type only: no payload, no size, no payload
hash, and their receipts carry no ``extra`` line.  ``docs/serve.md``
§What is never rendered.
"""

from __future__ import annotations

import hashlib
from typing import Any

from zkmed.encoding import b64_encode
from zkmed.formats import SERVE_ENTRY
from zkmed.ledger.entries import Entry

__all__ = ["PREVIEW_BYTES", "WITHHELD_PREFIXES", "entry_view", "payload_preview", "withheld"]

#: medical entry types: never rendered, never served
WITHHELD_PREFIXES: tuple[str, ...] = ("records/",)  # consent, revocations, access audit, share anchors
#: the pages show at most this many payload bytes
PREVIEW_BYTES = 4096


def withheld(entry_type: str) -> bool:
    """Whether entries of this type are withheld from the public."""
    return entry_type.startswith(WITHHELD_PREFIXES)


def entry_view(entry: Entry, sealed: bool, *, with_payload: bool = True) -> dict[str, Any]:
    """The ``zkmed.serve.entry`` document of ``entry`` (payload as base64 unless withheld or not asked)."""
    doc: dict[str, Any] = {**SERVE_ENTRY.json_header(), "seq": entry.seq, "type": entry.type, "sealed": sealed}
    if withheld(entry.type):
        return {**doc, "withheld": True}
    doc |= {"withheld": False, "size": len(entry.payload), "sha256": hashlib.sha256(entry.payload).hexdigest()}
    if with_payload:
        doc["payload"] = b64_encode(entry.payload)
    return doc


def payload_preview(entry: Entry) -> tuple[str, str] | None:
    """``("text", …)`` for UTF-8 payloads, ``("hex", …)`` otherwise (both cut to :data:`PREVIEW_BYTES`);
    ``None`` when withheld.  The pages escape it (Jinja2 autoescape): a ``<script>`` payload is shown as text."""
    if withheld(entry.type):
        return None
    try:
        return "text", entry.payload.decode("utf-8")[:PREVIEW_BYTES]
    except UnicodeDecodeError:
        return "hex", entry.payload[:PREVIEW_BYTES].hex()
