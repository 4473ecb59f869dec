"""The prime-order group protocol every zkmed protocol is written against.

A :class:`Group` is a cyclic group of prime order ``q`` written **additively**
(``add``, ``neg``, ``mul``) whatever the backend: elliptic curves, or the
ElectionGuard subgroup of ``Z_p^*`` (``add`` is a modular product, ``mul`` a power).

* **Scalars** are ``int`` in ``[0, q)``; wire form ``scalar_size`` (``Ns``) bytes
  big-endian, decoding rejects values ``>= q``.
* **Elements** are opaque backend objects, touched only by the group that made
  them; wire form ``element_size`` (``Ne``) canonical bytes.  :meth:`Group.decode_element`
  validates length, canonical form, curve / subgroup membership, and rejects the
  identity unless ``allow_identity=True``.
* Independent generators come from :meth:`Group.hash_to_element` (RFC 9380).

**Secrets** (nonces, blindings, keys, witnesses) go only through ``mul_secret`` /
``mul_gen_secret`` / ``FixedBase.mul_secret``; ``mul``, ``mul_gen`` and ``msm`` may be
variable time and see public scalars only.  Per backend: ``docs/constant-time.md``.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from zkmed.errors import MalformedInput

#: an opaque group element (EcPt, mpz, projective tuple ...), owned by one Group
Element = Any


class Group(ABC):
    """A prime-order group with canonical encodings; see the module docstring."""

    #: stable identifier used in wire formats and transcripts, e.g. "P256"
    name: str
    #: human-readable backend description, e.g. "P-256 (petlib/OpenSSL)"
    backend: str
    #: the prime group order q
    order: int
    #: bytes in a canonical element encoding (Ne)
    element_size: int
    #: bytes in a canonical scalar encoding (Ns)
    scalar_size: int

    # ------------------------------------------------------------- elements

    @abstractmethod
    def generator(self) -> Element:
        """The standard generator G."""

    @abstractmethod
    def identity(self) -> Element:
        """The neutral element."""

    @abstractmethod
    def add(self, a: Element, b: Element) -> Element:
        """a + b."""

    @abstractmethod
    def neg(self, a: Element) -> Element:
        """-a."""

    def sub(self, a: Element, b: Element) -> Element:
        """a - b."""
        return self.add(a, self.neg(b))

    @abstractmethod
    def mul(self, a: Element, k: int) -> Element:
        """k * a for any integer k (reduced mod q)."""

    def mul_gen(self, k: int) -> Element:
        """k * G; backends override with a fixed-base precomputed path."""
        return self.mul(self.generator(), k)

    # --- secret scalars: every nonce, blinding, key and witness goes through these

    def mul_secret(self, a: Element, k: int) -> Element:
        """k * a for a *secret* scalar k (any integer, reduced mod q; k = 0 allowed).

        Backends override with their constant-time path (see docs/constant-time.md);
        this default only delegates to :meth:`mul` and is as constant-time as that.
        """
        return self.mul(a, k % self.order)

    def mul_gen_secret(self, k: int) -> Element:
        """k * G for a *secret* scalar k (any integer, reduced mod q; k = 0 allowed)."""
        return self.mul_secret(self.generator(), k)

    def msm(self, scalars: Sequence[int], elements: Sequence[Element], gen_scalar: int = 0) -> Element:
        """``gen_scalar·G + Σ scalars[i]·elements[i]`` in one MSM; any integers (reduced mod q); public scalars only."""
        if len(scalars) != len(elements):
            raise MalformedInput("msm: scalars and elements differ in length")
        return self._msm(scalars, elements, gen_scalar)

    def _msm(self, scalars: Sequence[int], elements: Sequence[Element], gen_scalar: int) -> Element:
        """:meth:`msm` after its length check; backends override this (a loop of ``mul`` here)."""
        acc = self.mul_gen(gen_scalar) if gen_scalar % self.order else self.identity()
        for k, e in zip(scalars, elements, strict=True):
            acc = self.add(acc, self.mul(e, k))
        return acc

    @abstractmethod
    def eq(self, a: Element, b: Element) -> bool:
        """a == b."""

    def is_identity(self, a: Element) -> bool:
        return self.eq(a, self.identity())

    def is_element(self, a: object) -> bool:
        """Whether ``a`` is an element object of this group (cheap, never raises): the check verifiers run on
        in-memory objects (decoding checks everything).  Backends override it with a cheaper one."""
        try:
            self.encode_element(a)
        except Exception:  # whatever a foreign object makes the encoder raise
            return False
        return True

    def sum(self, elements: Sequence[Element]) -> Element:
        """The sum of ``elements`` (the identity for none); starts from the first term, not from the identity."""
        if not elements:
            return self.identity()
        acc = elements[0]
        for e in elements[1:]:
            acc = self.add(acc, e)
        return acc

    # ------------------------------------------------------------- encodings

    @abstractmethod
    def encode_element(self, a: Element) -> bytes:
        """Canonical ``element_size``-byte encoding; the identity has one of the same size (zeros on curves)."""

    @abstractmethod
    def decode_element(self, data: bytes, *, allow_identity: bool = False) -> Element:
        """Parse and fully validate an element; raise MalformedInput otherwise."""

    # ------------------------------------------------------------- fixed bases

    def fixed_base(self, point: Element) -> FixedBase:
        """An explicit fixed-base multiplier for the long-lived public ``point``, held by the caller (nothing is
        remembered in the group); backends with precomputed tables return a table-backed :class:`FixedBase`."""
        return FixedBase(self, point)

    def constant_time_note(self) -> tuple[str, str]:
        """Whether :meth:`mul_secret` / :meth:`mul_gen_secret` are constant time here — ``"yes"``,
        ``"partial"`` or ``"no"`` — and why, in a line (``zkmed info``; docs/constant-time.md)."""
        return "no", "no constant-time path: mul_secret delegates to mul"

    def fixed_base_state(self) -> str:
        """One line for ``zkmed info``: what :meth:`fixed_base` gives on this backend."""
        return "no tables (plain mul / mul_secret)"

    def encode_elements(self, elements: Sequence[Element]) -> bytes:
        return b"".join(self.encode_element(e) for e in elements)

    def decode_elements(self, data: bytes, count: int, *, allow_identity: bool = False) -> list[Element]:
        chunks = self._split(data, self.element_size, count, "elements")
        return [self.decode_element(c, allow_identity=allow_identity) for c in chunks]

    def _split(self, data: bytes, n: int, count: int, what: str) -> list[bytes]:
        if len(data) != n * count:
            raise MalformedInput(f"{self.name}: expected {count} {what} ({n * count} bytes), got {len(data)} bytes")
        return [data[i * n : (i + 1) * n] for i in range(count)]

    def encode_scalar(self, k: int) -> bytes:
        if not isinstance(k, int) or not 0 <= k < self.order:
            raise MalformedInput(f"{self.name}: scalar out of range [0, q)")
        return k.to_bytes(self.scalar_size, "big")

    def decode_scalar(self, data: bytes) -> int:
        if len(data) != self.scalar_size:
            raise MalformedInput(f"{self.name}: scalar must be {self.scalar_size} bytes, got {len(data)}")
        k = int.from_bytes(data, "big")
        if k >= self.order:
            raise MalformedInput(f"{self.name}: non-canonical scalar (>= q)")
        return k

    def encode_scalars(self, scalars: Sequence[int]) -> bytes:
        return b"".join(self.encode_scalar(k) for k in scalars)

    def decode_scalars(self, data: bytes, count: int) -> list[int]:
        return [self.decode_scalar(c) for c in self._split(data, self.scalar_size, count, "scalars")]

    # ------------------------------------------------------------- hashing & randomness

    @abstractmethod
    def hash_to_element(self, msg: bytes, dst: bytes) -> Element:
        """Hash to a uniformly distributed non-identity element (RFC 9380 ``hash_to_curve``)."""

    def random_scalar(self) -> int:
        """A uniform non-zero scalar from the OS CSPRNG (``secrets``), 128 extra bits then reduced."""
        while True:
            k = secrets.randbits(8 * self.scalar_size + 128) % self.order
            if k:
                return k

    # ------------------------------------------------------------- misc

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "backend": self.backend,
            "order_bits": self.order.bit_length(),
            "element_size": self.element_size,
            "scalar_size": self.scalar_size,
        }

    def __repr__(self) -> str:
        return f"<Group {self.name} via {self.backend}>"


class FixedBase:
    """k·P for one long-lived public point P, made by :meth:`Group.fixed_base` and held by its owner.

    Immutable: ``group``, ``point``, ``encoding`` (P's canonical bytes) and ``kind``
    (how it multiplies, for ``zkmed info`` and tests).  :meth:`mul` takes public
    scalars, :meth:`mul_secret` secret ones (any integer, reduced mod q; 0 allowed).
    No table here: it delegates to the group (to its generator paths when P = G).
    """

    __slots__ = ("_is_generator", "encoding", "group", "kind", "point")

    group: Group
    point: Element
    encoding: bytes
    kind: str
    _is_generator: bool

    def __init__(self, group: Group, point: Element, *, kind: str = "") -> None:
        is_gen = group.eq(point, group.generator())
        values = {
            "group": group,
            "point": point,
            "encoding": group.encode_element(point),
            "kind": kind or ("generator" if is_gen else "plain"),
            "_is_generator": is_gen,
        }
        for name, value in values.items():  # construction only: __setattr__ refuses afterwards
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FixedBase is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("FixedBase is immutable")

    def mul(self, k: int) -> Element:
        """k·P for a public scalar."""
        return self.group.mul_gen(k) if self._is_generator else self.group.mul(self.point, k)

    def mul_secret(self, k: int) -> Element:
        """k·P for a secret scalar (the backend's constant-time path; see docs/constant-time.md)."""
        return self.group.mul_gen_secret(k) if self._is_generator else self.group.mul_secret(self.point, k)

    def __repr__(self) -> str:
        return f"<FixedBase {self.kind} on {self.group.name}>"
