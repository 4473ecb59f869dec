"""Argument and proof-object checks shared by every recipe and raw prover / verifier (sigma and range proofs).

One rule for the whole API (``docs/rangeproofs.md`` §"Errors"): a wrong **type** is
MalformedInput (provers and verifiers alike), an unsatisfied witness ProvingError,
anything else a verifier meets VerificationError.  The element check (type, canonical
encoding, not the identity) returns the bytes the transcript absorbs; an off-curve
tuple on py_ecc passes it and fails the equation.
"""

from __future__ import annotations

from typing import Any, TypeVar

from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.commitments import Blinding, PedersenParams
from zkmed.hazmat.groups import Element, Group

ErrorType = type[Exception]
P = TypeVar("P")


def require_instance(x: Any, kind: type[P]) -> P:
    """``x`` if it is a ``kind`` (parameters, a group), else MalformedInput."""
    if not isinstance(x, kind):
        raise MalformedInput(f"expected {kind.__name__}, got {type(x).__name__}")
    return x


def require_group(group: Any) -> Group:
    if not isinstance(group, Group):
        raise MalformedInput(f"expected a Group, got {type(group).__name__}")
    return group


def require_params(params: Any) -> PedersenParams:
    return require_instance(params, PedersenParams)


def require_int(x: Any, what: str) -> int:
    if not isinstance(x, int) or isinstance(x, bool):
        raise MalformedInput(f"{what} must be an integer, got {type(x).__name__}")
    return x


def require_bytes(x: Any, what: str) -> bytes:
    if not isinstance(x, (bytes, bytearray)):
        raise MalformedInput(f"{what} must be bytes, got {type(x).__name__}")
    return bytes(x)


def secret_int(x: Any, what: str) -> int:
    """A secret integer (value or blinding): an ``int`` or a :class:`Blinding`, never a bool or float."""
    if isinstance(x, Blinding):
        x = x.value
    return require_int(x, what)


def require_element(group: Group, x: Any, what: str) -> Element:
    """``x`` has the Python type of ``group``'s elements (its value is checked by the verifier)."""
    if type(x) is not type(group.generator()):
        raise MalformedInput(f"{what} must be a {group.name} element, got {type(x).__name__}")
    return x


def require_elements(group: Group, xs: Any, what: str) -> list[Element]:
    if not isinstance(xs, (list, tuple)):
        raise MalformedInput(f"{what} must be a list of {group.name} elements, got {type(xs).__name__}")
    return [require_element(group, x, f"{what}[{i}]") for i, x in enumerate(xs)]


def element_bytes(group: Group, x: Any, what: str, err: ErrorType) -> bytes:
    """The canonical encoding of a valid, non-identity element of ``group``; ``err`` otherwise."""
    if type(x) is not type(group.generator()):
        raise err(f"{what} is not a {group.name} element (a {type(x).__name__})")
    try:
        enc = group.encode_element(x)
        ok = isinstance(enc, bytes) and len(enc) == group.element_size and not group.is_identity(x)
    except Exception as exc:  # foreign objects: whatever the backend raises
        raise err(f"{what} is not a {group.name} element") from exc
    if not ok:
        raise err(f"{what} is the identity or not a {group.name} element")
    return enc


def canonical_scalar(group: Group, k: Any, what: str, err: ErrorType) -> int:
    """``k`` is an ``int`` in ``[0, q)``; ``err`` otherwise."""
    if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < group.order:
        raise err(f"{what} is not a canonical scalar (an integer in [0, q))")
    return k


def same_group(group: Group, proof_group: Any, what: str, err: ErrorType) -> None:
    if not isinstance(proof_group, Group) or proof_group.name != group.name:
        name = proof_group.name if isinstance(proof_group, Group) else type(proof_group).__name__
        raise err(f"{what} is for group {name}, the parameters for {group.name}")


def prover_inputs(
    params: Any, commitment: Any, value: Any, blinding: Any, context: Any
) -> tuple[PedersenParams, int, int, bytes]:
    """A recipe prover's arguments, type-checked (MalformedInput): ``(params, value, blinding mod q, context)``."""
    p = require_params(params)
    require_element(p.group, commitment, "commitment")
    v = require_int(value, "value")
    return p, v, secret_int(blinding, "blinding") % p.group.order, require_bytes(context, "context")


def verifier_inputs(params: Any, commitment: Any, proof: Any, kind: type, context: Any) -> tuple[PedersenParams, bytes]:
    """A recipe verifier's arguments: types (MalformedInput), then a valid non-identity commitment (VerificationError)."""
    p = require_params(params)
    require_element(p.group, commitment, "commitment")
    if not isinstance(proof, kind):
        raise MalformedInput(f"expected a {kind.__name__}, got {type(proof).__name__}")
    context = require_bytes(context, "context")
    element_bytes(p.group, commitment, "the commitment", VerificationError)
    return p, context


class ByteEquality:
    """Equality and hash by the canonical bytes (``to_bytes``); an object that cannot be encoded equals only itself."""

    __slots__ = ()

    def to_bytes(self) -> bytes:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, type(self)):
            return False
        try:
            return self.to_bytes() == other.to_bytes()
        except MalformedInput:
            return False

    def __hash__(self) -> int:
        try:
            return hash(self.to_bytes())
        except MalformedInput:
            return id(self)


__all__ = [
    "ByteEquality", "canonical_scalar", "element_bytes", "prover_inputs", "require_bytes", "require_element",
    "require_elements", "require_int", "require_params", "same_group", "secret_int", "verifier_inputs",
]  # fmt: skip
