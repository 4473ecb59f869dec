"""Fuzz targets of consent, access audit and sharing (R2's part of ``targets_records.targets``).

Seeds: a permit grant with attributes and policies, a full-record grant with a
recipient key, a deny grant, a revocation, access events, an HPKE key pair, a
shared record and its anchor — all built once with fixed keys.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from fuzz_support import Target, qualname

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.records import board
from zkmed.records.access import AccessEvent
from zkmed.records.fhir_consent import Grant, Revocation
from zkmed.records.hpke_keys import HpkeKey, HpkePublicKey
from zkmed.records.keys import HolderKey
from zkmed.records.sharing import ShareAnchor, SharedRecord, encrypt_shared

T0 = 1_800_000_000_000


@cache
def _artifacts() -> dict[str, list[bytes]]:
    holder = HolderKey.from_seed(bytes([7]) * 32)
    hpke = HpkeKey.generate()
    permit = Grant.create(
        holder,
        grantee="https://clinic.example",
        attributes=["Patient.gender", "Observation[4548-4].value"],
        policies=["adult"],
        purposes=["TREAT", "ETREAT"],
        issued_ms=T0,
        end_ms=T0 + 86_400_000,
    )
    full = Grant.create(
        holder, grantee="hospital", full_record=True, recipient=hpke.public.raw, issued_ms=T0, end_ms=T0 + 1
    )
    deny = Grant.create(holder, grantee="lab", policies=["adult"], provision="deny", issued_ms=T0, end_ms=T0 + 1)
    shared = encrypt_shared(b'{"resourceType":"Bundle","type":"collection"}', hpke.public, bytes.fromhex(full.id))
    anchor = ShareAnchor.create(holder, full, shared, hpke.public, T0)
    events = [
        AccessEvent("clinic", holder.public.fingerprint, "verify", "success", T0, ("adult",), ("Patient.gender",)),
        AccessEvent("hospital", holder.public.fingerprint, "open", "denied", T0, grant=full.id),
    ]
    return {
        "grant": [g.payload() for g in (permit, full, deny)],
        "revocation": [Revocation.create(holder, permit.id, at_ms=T0).payload()],
        "access": [e.payload() for e in events],
        "hpke-pub": [hpke.public.to_text().encode()],
        "hpke-secret": [hpke.secret_text().encode()],
        "shared": [shared.encode()],
        "anchor": [canonical_json(anchor.to_json())],
        "instant": [board.instant(T0), board.instant(0), board.instant(board.MAX_MS)],  # type: ignore[list-item]
    }


def _seeds(kind: str) -> Callable[[], Sequence[Any]]:
    return lambda: _artifacts()[kind]


def _in_file(data: bytes, name: str, load: Callable[[str], Any]) -> Any:
    with tempfile.TemporaryDirectory(prefix="zkmed-fuzz-") as d:
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o600)
        return load(path if name.endswith(".pub") else d)


def r2_targets() -> list[Target]:
    return [
        Target(
            "records.Grant.from_json",
            lambda d: Grant.from_json(parse_json(d)),
            (qualname(Grant, "from_json"),),
            seeds=_seeds("grant"),
            max_size=2048,
        ),
        Target(
            "records.Grant.from_payload", Grant.from_payload, (qualname(Grant, "from_payload"),), seeds=_seeds("grant")
        ),
        Target(
            "records.Revocation.from_json",
            lambda d: Revocation.from_json(parse_json(d)),
            (qualname(Revocation, "from_json"),),
            seeds=_seeds("revocation"),
            max_size=2048,
        ),
        Target(
            "records.AccessEvent.from_json",
            lambda d: AccessEvent.from_json(parse_json(d)),
            (qualname(AccessEvent, "from_json"),),
            seeds=_seeds("access"),
            max_size=2048,
        ),
        Target(
            "records.board.parse_instant",
            board.parse_instant,
            (qualname(board.parse_instant),),
            text=True,
            seeds=_seeds("instant"),
            max_size=64,
        ),
        Target(
            "records.HpkePublicKey.from_text",
            HpkePublicKey.from_text,
            (qualname(HpkePublicKey, "from_text"),),
            seeds=_seeds("hpke-pub"),
        ),
        Target(
            "records.HpkePublicKey.read",
            lambda d: _in_file(d, "hpke.pub", HpkePublicKey.read),
            (qualname(HpkePublicKey, "read"),),
            seeds=_seeds("hpke-pub"),
        ),
        Target(
            "records.HpkeKey.parse_secret_text",
            HpkeKey.parse_secret_text,
            (qualname(HpkeKey, "parse_secret_text"),),
            seeds=_seeds("hpke-secret"),
        ),
        Target(
            "records.HpkeKey.load",
            lambda d: _in_file(d, "hpke.key", HpkeKey.load),
            (qualname(HpkeKey, "load"),),
            seeds=_seeds("hpke-secret"),
        ),
        Target(
            "records.SharedRecord.decode",
            SharedRecord.decode,
            (qualname(SharedRecord, "decode"),),
            seeds=_seeds("shared"),
            max_size=1024,
        ),
        Target(
            "records.ShareAnchor.from_payload",
            ShareAnchor.from_payload,
            (qualname(ShareAnchor, "from_payload"),),
            seeds=_seeds("anchor"),
            max_size=2048,
        ),
    ]
