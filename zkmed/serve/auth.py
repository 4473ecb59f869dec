"""Authority-signed write requests (``zkmed.serve.write-request``) and the replay guard.

A write request is one canonical-JSON document: the ledger's origin, the
signing authority's name, a timestamp (ms), a random nonce, the entries to
append, and an Ed25519 signature by that authority over
``"zkmed-serve-write-request-v1\\n" ‖ canonical JSON of every other member``.
The server accepts it only when the origin is its ledger's, the name is an
authority of the set in effect, the signature verifies, the timestamp is
fresh and the nonce was not seen before (:class:`ReplayGuard`).  Scheme and
limits: ``docs/serve.md`` §Write API.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.encoding import b64_decode, b64_encode, hex_decode
from zkmed.errors import MalformedInput, VerificationError
from zkmed.formats import SERVE_WRITE_REQUEST
from zkmed.ledger.authorities import Authority, AuthoritySet
from zkmed.ledger.entries import MAX_PAYLOAD, check_payload, check_type
from zkmed.ledger.keys import AuthorityKey
from zkmed.ledger.note import check_key_name, ed25519_verify

__all__ = [
    "MAX_REQUEST_BYTES",
    "WRITE_CONTEXT",
    "ReplayGuard",
    "WriteRequest",
    "sign_write_request",
    "verify_write_request",
]

WRITE_CONTEXT = b"zkmed-serve-write-request-v1\n"
#: a request carries at most this many entries, and its body at most this many bytes
MAX_ENTRIES = 1000
MAX_REQUEST_BYTES = 2 * MAX_PAYLOAD
NONCE_BYTES = (16, 64)
_FIELDS = {"type", "version", "origin", "authority", "timestamp_ms", "nonce", "entries", "signature"}


@dataclass(frozen=True)
class WriteRequest:
    """One signed request to append ``entries`` (``(type, payload)`` pairs) to the ledger ``origin``."""

    origin: str
    authority: str
    timestamp_ms: int
    nonce: bytes
    entries: tuple[tuple[str, bytes], ...]
    signature: bytes = b""

    def _body(self) -> dict:
        return {
            **SERVE_WRITE_REQUEST.json_header(),
            "origin": self.origin,
            "authority": self.authority,
            "timestamp_ms": self.timestamp_ms,
            "nonce": self.nonce.hex(),
            "entries": [{"type": t, "payload": b64_encode(p)} for t, p in self.entries],
        }

    def signed_message(self) -> bytes:
        """What the authority signs: the context line, then the canonical JSON of every member but ``signature``."""
        return WRITE_CONTEXT + canonical_json(self._body())

    def encode(self) -> bytes:
        """The request body: canonical JSON (what :meth:`parse` accepts, byte for byte)."""
        return canonical_json({**self._body(), "signature": b64_encode(self.signature)})

    @classmethod
    def parse(cls, data: bytes) -> WriteRequest:
        """Parse a request body strictly: canonical JSON, exactly the documented members; MalformedInput else."""
        if not isinstance(data, (bytes, bytearray)) or len(data) > MAX_REQUEST_BYTES:
            raise MalformedInput(f"a write request is at most {MAX_REQUEST_BYTES} bytes of canonical JSON")
        doc = parse_json(bytes(data), require_canonical=True)
        SERVE_WRITE_REQUEST.check_json(doc)
        if set(doc) != _FIELDS:
            raise MalformedInput(f"write request: expected exactly the members {', '.join(sorted(_FIELDS))}")
        origin, authority, ts, nonce, items = (
            doc[k] for k in ("origin", "authority", "timestamp_ms", "nonce", "entries")
        )
        if not isinstance(origin, str) or not isinstance(authority, str) or not isinstance(doc["signature"], str):
            raise MalformedInput("write request: origin, authority and signature are strings")
        check_key_name(authority)
        if not isinstance(ts, int) or isinstance(ts, bool) or not 0 <= ts < 1 << 63:
            raise MalformedInput("write request: timestamp_ms must be a non-negative integer (ms since the epoch)")
        if not isinstance(nonce, str):
            raise MalformedInput("write request: nonce is a hex string")
        nonce_bytes = hex_decode(nonce, what="write request nonce")
        if not NONCE_BYTES[0] <= len(nonce_bytes) <= NONCE_BYTES[1]:
            raise MalformedInput(f"write request: the nonce is {NONCE_BYTES[0]}..{NONCE_BYTES[1]} bytes")
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_ENTRIES:
            raise MalformedInput(f"write request: entries is a list of 1..{MAX_ENTRIES} entries")
        entries = []
        for item in items:
            if not isinstance(item, dict) or set(item) != {"type", "payload"} or not isinstance(item["payload"], str):
                raise MalformedInput('write request: each entry is {"type": …, "payload": base64}')
            payload = b64_decode(item["payload"], what="write request entry payload")
            entries.append((check_type(item["type"]), check_payload(payload)))
        signature = b64_decode(doc["signature"], length=64, what="write request signature")
        return cls(origin, authority, ts, nonce_bytes, tuple(entries), signature)


def sign_write_request(
    key: AuthorityKey,
    origin: str,
    entries: Iterable[tuple[str, bytes]],
    *,
    timestamp_ms: int,
    nonce: bytes | None = None,
) -> WriteRequest:
    """A request to append ``entries`` to ledger ``origin``, signed by the authority ``key``."""
    items = tuple((check_type(t), check_payload(p)) for t, p in entries)
    unsigned = WriteRequest(origin, key.name, timestamp_ms, nonce or secrets.token_bytes(16), items)
    return WriteRequest(**{**unsigned.__dict__, "signature": key.sign(unsigned.signed_message())})


def verify_write_request(request: WriteRequest, origin: str, authorities: AuthoritySet) -> Authority:
    """The authority of ``authorities`` that signed ``request`` for ledger ``origin``; VerificationError else."""
    if request.origin != origin:
        raise VerificationError("write request is for another ledger (origin differs)")
    signer = next((a for a in authorities.authorities if a.name == request.authority), None)
    if signer is None:
        raise VerificationError("write request is not signed by an authority of this ledger")
    ed25519_verify(signer.public_key, request.signature, request.signed_message(), "write request")
    return signer


class ReplayGuard:
    """Refuses stale, future and repeated requests: a timestamp window and the nonces seen within it.

    A request is fresh when ``floor ≤ timestamp`` (``floor`` = when the guard
    was made: nonces seen before a restart are forgotten, so requests signed
    before it are refused too), ``timestamp ≥ now − past_ms`` and
    ``timestamp ≤ now + future_ms``.  Nonces are kept until their timestamp
    leaves the window.  Thread-safe.
    """

    def __init__(
        self,
        clock: Callable[[], int],
        *,
        past_ms: int = 120_000,
        future_ms: int = 30_000,
        max_nonces: int = 1_000_000,
    ) -> None:
        self.clock = clock
        self.past_ms, self.future_ms, self.max_nonces = past_ms, future_ms, max_nonces
        self.floor = clock()
        self._seen: dict[bytes, int] = {}
        self._lock = threading.Lock()

    def check(self, timestamp_ms: int, nonce: bytes) -> None:
        """Record ``nonce``; VerificationError when the request is stale, from the future or a replay."""
        now = self.clock()
        if timestamp_ms < self.floor:
            raise VerificationError("write request was signed before this server started: sign it again")
        if timestamp_ms < now - self.past_ms:
            raise VerificationError(f"write request is older than {self.past_ms // 1000} s: sign it again")
        if timestamp_ms > now + self.future_ms:
            raise VerificationError("write request timestamp is in the future (check the client's clock)")
        with self._lock:
            if nonce in self._seen:
                raise VerificationError("write request replayed (nonce already used)")
            if len(self._seen) >= self.max_nonces or len(self._seen) % 4096 == 4095:
                self._expire(now)
                if len(self._seen) >= self.max_nonces:
                    raise VerificationError("too many recent write requests: retry shortly")
            self._seen[nonce] = timestamp_ms

    def _expire(self, now: int) -> None:
        cutoff = now - self.past_ms
        self._seen = {n: ts for n, ts in self._seen.items() if ts >= cutoff}
