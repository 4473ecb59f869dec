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
from importlib import import_module

from zkmed.errors import BackendUnavailable, MalformedInput
from zkmed.hazmat.groups.base import Element, FixedBase, Group


def _lazy(module: str, factory: str) -> Callable[[], Group]:
    """A factory that imports its backend module only when called (a missing library stays an ImportError)."""
    return lambda: getattr(import_module(f"zkmed.hazmat.groups.{module}"), factory)()  # type: ignore[no-any-return]


BACKENDS: dict[str, Callable[[], Group]] = {
    "P256": _lazy("petlib_ec", "p256"),
    "secp256k1": _lazy("petlib_ec", "secp256k1"),
    "secp256k1-pyecc": _lazy("secp256k1_pyecc", "Secp256k1PyEcc"),
    "EG4096": _lazy("modp_gmpy2", "electionguard_group"),
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
