"""A quick, always-on self-check of every group backend's law (used by ``zkmed info`` and the demo)."""

from __future__ import annotations

from dataclasses import dataclass

from zkmed.errors import ZkmedError
from zkmed.hazmat.groups import BACKENDS, get_group
from zkmed.hazmat.groups.base import Group


@dataclass(frozen=True)
class SelfCheck:
    name: str
    backend: str
    order_bits: int
    element_size: int
    ok: bool
    detail: str = ""


def check_group_law(group: Group, rounds: int = 3) -> None:
    """Raise ZkmedError if any identity of the group law fails on random points."""
    g, q = group.generator(), group.order
    for _ in range(rounds):
        a, b = group.random_scalar(), group.random_scalar()
        pa, pb = group.mul_gen(a), group.mul_gen(b)
        checks = {
            "a·G + b·G = (a+b)·G": group.eq(group.add(pa, pb), group.mul_gen(a + b)),
            "mul_gen = mul(G)": group.eq(pa, group.mul(g, a)),
            "P - P = 0": group.is_identity(group.sub(pa, pa)),
            "q·G = 0": group.is_identity(group.mul(g, q)),
            "msm": group.eq(group.msm([a, b], [g, pb]), group.add(pa, group.mul(pb, b))),
            "decode(encode(P)) = P": group.eq(group.decode_element(group.encode_element(pa)), pa),
        }
        for name, holds in checks.items():
            if not holds:
                raise ZkmedError(f"{group.name}: self-check failed: {name}")


def self_check_all() -> list[SelfCheck]:
    out = []
    for name in BACKENDS:
        try:
            group = get_group(name)
            check_group_law(group)
        except ZkmedError as exc:
            out.append(SelfCheck(name, "?", 0, 0, False, exc.diagnostic()))
            continue
        out.append(SelfCheck(name, group.backend, group.order.bit_length(), group.element_size, True))
    return out
