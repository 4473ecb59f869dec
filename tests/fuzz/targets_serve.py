"""Fuzz targets of ``zkmed.serve``'s decoders (collected by ``fuzz_targets.all_targets``)."""

from __future__ import annotations

from fuzz_support import Target, qualname

from zkmed.ledger.keys import AuthorityKey
from zkmed.serve.auth import WriteRequest, sign_write_request


def _seeds() -> list[bytes]:
    key = AuthorityKey.from_seed("fuzz/authority-1", bytes(range(32)))
    entries = [("note", b"payload"), ("election.ballot", b'{"a":1}')]
    return [sign_write_request(key, "fuzz.example/00", entries, timestamp_ms=1_700_000_000_000).encode()]


def targets() -> list[Target]:
    return [
        Target("serve.write_request", WriteRequest.parse, (qualname(WriteRequest, "parse"),), seeds=_seeds),
    ]
