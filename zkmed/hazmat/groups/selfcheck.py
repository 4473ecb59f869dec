"""A quick, always-on self-check of every group backend (used by ``zkmed info`` and the demo).

The group law, and the secret-scalar operations against the public ones (at 0, 1,
q − 1 and random scalars, fixed bases included); each backend's report also says
whether its secret operations are constant time and what its fixed-base tables do.
"""

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
    constant_time: str = "no"  # "yes", "partial" or "no": Group.constant_time_note()
    constant_time_detail: str = ""
    fixed_base: str = ""


def check_group_law(group: Group, rounds: int = 3) -> None:
    """Raise ZkmedError if any identity of the group law, or a secret operation, fails on random points."""
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
            "mul_gen_secret = mul_gen": group.eq(group.mul_gen_secret(a), pa),
            "mul_secret = mul": group.eq(group.mul_secret(pb, a), group.mul(pb, a)),
        }
        for name, holds in checks.items():
            if not holds:
                raise ZkmedError(f"{group.name}: self-check failed: {name}")
    base = group.fixed_base(group.mul_gen(group.random_scalar()))
    for k in (0, 1, q - 1, group.random_scalar()):
        expected = group.mul(base.point, k)
        ok = (
            group.eq(group.mul_gen_secret(k), group.mul_gen(k))
            and group.eq(group.mul_secret(base.point, k), expected)
            and group.eq(base.mul_secret(k), expected)
            and group.eq(base.mul(k), expected)
        )
        if not ok:
            raise ZkmedError(f"{group.name}: self-check failed: secret / fixed-base multiplication at k = {k}")


def self_check_all() -> list[SelfCheck]:
    out = []
    for name in BACKENDS:
        try:
            group = get_group(name)
            check_group_law(group)
        except ZkmedError as exc:
            out.append(SelfCheck(name, "?", 0, 0, False, exc.diagnostic()))
            continue
        ct, why = group.constant_time_note()
        out.append(
            SelfCheck(
                name,
                group.backend,
                group.order.bit_length(),
                group.element_size,
                True,
                constant_time=ct,
                constant_time_detail=why,
                fixed_base=group.fixed_base_state(),
            )
        )
    return out
