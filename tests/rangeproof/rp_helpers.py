"""Shared helpers for the range-proof tests (deterministic randomness, tampering, backends)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from zkmed.errors import BackendUnavailable
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import Group, get_group


def seeded_rng(group: Group, seed: bytes) -> Callable[[], int]:
    """A deterministic scalar source for known-answer tests: SHAKE256(seed ‖ u32 counter), 48 bytes, mod q.

    Never use outside tests: provers default to ``group.random_scalar``.
    """
    counter = 0

    def rng() -> int:
        nonlocal counter
        digest = hashlib.shake_256(b"zkmed-test-rng/" + seed + counter.to_bytes(4, "big")).digest(48)
        counter += 1
        return int.from_bytes(digest, "big") % group.order or 1

    return rng


def params_for(name: str) -> PedersenParams:
    """Default Pedersen parameters on backend ``name``, or skip the test when it does not load."""
    try:
        group = get_group(name)
    except BackendUnavailable as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"backend {name} unavailable: {exc}")
    return PedersenParams.default(group)


def other_point(group: Group, tag: bytes = b"other"):
    """A valid, non-identity element unrelated to any proof."""
    return group.hash_to_element(b"zkmed-test/" + tag, b"zkmed-test-DST")


def flip_byte(data: bytes, index: int, mask: int = 0x01) -> bytes:
    out = bytearray(data)
    out[index] ^= mask
    return bytes(out)
