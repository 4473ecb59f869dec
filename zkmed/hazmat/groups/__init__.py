"""Prime-order group backends behind one :class:`~zkmed.hazmat.groups.base.Group` protocol.

=====================  ============================================  ===============
name                   backend                                       role
=====================  ============================================  ===============
``P256``               petlib / OpenSSL, SEC1 compressed (33 B)      default, fast
``secp256k1``          petlib / OpenSSL                              fast
``secp256k1-pyecc``    py_ecc, pure Python                           reference
``EG4096``             gmpy2, ElectionGuard 2.x 4096-bit subgroup    ElectionGuard parity
=====================  ============================================  ===============

``get_group(name)`` returns a cached instance (groups are immutable).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from zkmed.errors import BackendUnavailable, MalformedInput
from zkmed.hazmat.groups.base import Element, FixedBase, Group


def _p256() -> Group:
    from zkmed.hazmat.groups.petlib_ec import p256

    return p256()


def _secp256k1() -> Group:
    from zkmed.hazmat.groups.petlib_ec import secp256k1

    return secp256k1()


def _secp256k1_pyecc() -> Group:
    from zkmed.hazmat.groups.secp256k1_pyecc import Secp256k1PyEcc

    return Secp256k1PyEcc()


def _eg4096() -> Group:
    from zkmed.hazmat.groups.modp_gmpy2 import electionguard_group

    return electionguard_group()


BACKENDS: dict[str, Callable[[], Group]] = {
    "P256": _p256,
    "secp256k1": _secp256k1,
    "secp256k1-pyecc": _secp256k1_pyecc,
    "EG4096": _eg4096,
}

DEFAULT_GROUP = "P256"


@cache
def get_group(name: str = DEFAULT_GROUP) -> Group:
    """The group called ``name`` (see the table above)."""
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise MalformedInput(f"unknown group {name!r}; known: {', '.join(BACKENDS)}") from None
    try:
        return factory()
    except ImportError as exc:
        raise BackendUnavailable(f"group {name}: {exc}") from exc


def available_groups() -> list[str]:
    """Names of the backends that load on this machine."""
    out = []
    for name in BACKENDS:
        try:
            get_group(name)
        except BackendUnavailable:
            continue
        out.append(name)
    return out


__all__ = ["BACKENDS", "DEFAULT_GROUP", "Element", "FixedBase", "Group", "available_groups", "get_group"]
