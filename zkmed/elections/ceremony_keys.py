"""The ceremony's results: the public :class:`JointKey` and each trustee's secret :class:`TrusteeShare`.

``JointKey`` (format ``zkmed.election.joint-key``, canonical JSON) holds the election public
key ``K = Σ_{i∈QUAL} C_i0`` and the verification keys ``K_j = s_j·G`` of the n shares, plus the
qualified dealers.  ``TrusteeShare`` (format ``zkmed.election.trustee-key``) is one trustee's
share ``s_j`` of the election secret; its key file is canonical JSON written mode 0600
atomically (temp file + rename), loading refuses group/other-readable files and checks
``s_j·G = K_j``; ``repr`` never shows the secret.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from zkmed import formats
from zkmed.canonical_json import canonical_json
from zkmed.elections.ceremony_messages import MAX_TRUSTEES, decode_element, encode_element
from zkmed.elections.fields import b64_encode, b64_field, exact_fields, int_field, list_field, load_payload, str_field
from zkmed.errors import LedgerError, MalformedInput
from zkmed.files import write_atomic
from zkmed.hazmat.groups import Element, FixedBase, Group, get_group

__all__ = ["JointKey", "TrusteeShare", "load_secret_file", "save_secret_file"]


def _group_field(obj: dict[str, Any], where: str) -> Group:
    name = str_field(obj, "group", where)
    try:
        return get_group(name)
    except MalformedInput as exc:
        raise MalformedInput(f"{where}.group: {exc.message}", where=f"{where}.group") from exc


@dataclass(frozen=True)
class JointKey:
    """The election public key and the trustees' verification keys (all public)."""

    FORMAT = formats.ELECTION_JOINT_KEY
    group_name: str
    n: int
    k: int
    public_key: Element = field(repr=False)
    trustee_keys: tuple[Element, ...] = field(repr=False)  # K_1..K_n (index j-1)
    qualified: tuple[int, ...] = ()

    @property
    def group(self) -> Group:
        return get_group(self.group_name)

    def trustee_key(self, index: int) -> Element:
        return self.trustee_keys[index - 1]

    @cached_property
    def key_base(self) -> FixedBase:
        """A fixed-base multiplier for ``K`` (table-backed where the backend has one), built once per JointKey."""
        return self.group.fixed_base(self.public_key)

    def public_key_base(self) -> FixedBase:
        """Same as :attr:`key_base`."""
        return self.key_base

    def to_json(self) -> dict[str, Any]:
        g = self.group
        return {
            **self.FORMAT.json_header(),
            "group": self.group_name,
            "n": self.n,
            "k": self.k,
            "public_key": encode_element(g, self.public_key),
            "trustee_keys": [encode_element(g, e) for e in self.trustee_keys],
            "qualified": list(self.qualified),
        }

    def to_payload(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, data: bytes) -> JointKey:
        """Parse canonical JSON bytes; every element validated (in the group, not the identity)."""
        obj = load_payload(cls.FORMAT, data)
        w = "joint-key"
        exact_fields(obj, {"type", "version", "group", "n", "k", "public_key", "trustee_keys", "qualified"}, w)
        g = _group_field(obj, w)
        n = int_field(obj, "n", w, 1, MAX_TRUSTEES)
        k = int_field(obj, "k", w, 1, n)
        keys = list_field(obj, "trustee_keys", w, n, n)
        qualified = list_field(obj, "qualified", w, 1, n)
        for j, q in enumerate(qualified):
            int_field({"q": q}, "q", f"{w}.qualified[{j}]", 1, n)
        if qualified != sorted(set(qualified)):
            raise MalformedInput(f"{w}.qualified must be increasing and distinct", where=f"{w}.qualified")
        return cls(
            g.name,
            n,
            k,
            decode_element(g, obj["public_key"], f"{w}.public_key"),
            tuple(decode_element(g, e, f"{w}.trustee_keys[{j}]") for j, e in enumerate(keys)),
            tuple(qualified),
        )

    from_payload = from_json

    def same(self, other: JointKey) -> bool:
        """Equal as public values (elements compared in the group)."""
        if (self.group_name, self.n, self.k, self.qualified) != (other.group_name, other.n, other.k, other.qualified):
            return False
        g = self.group
        return g.eq(self.public_key, other.public_key) and all(
            g.eq(a, b) for a, b in zip(self.trustee_keys, other.trustee_keys, strict=True)
        )


@dataclass(frozen=True)
class TrusteeShare:
    """Trustee ``index``'s secret share ``s`` (``s·G = K_index``); secret: never in repr, files 0600."""

    FORMAT = formats.ELECTION_TRUSTEE_KEY
    group_name: str
    n: int
    k: int
    index: int
    secret: int = field(repr=False)
    public: Element = field(repr=False)  # K_index

    def __post_init__(self) -> None:
        g = get_group(self.group_name)
        if not isinstance(self.secret, int) or not 0 < self.secret < g.order:
            raise MalformedInput("trustee share: the secret must be in [1, q)")
        if not 1 <= self.index <= self.n:
            raise MalformedInput("trustee share: index out of range")
        if not g.eq(g.mul_gen_secret(self.secret), self.public):
            raise MalformedInput("trustee share: the public key does not match the secret")

    @property
    def group(self) -> Group:
        return get_group(self.group_name)

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("TrusteeShare is secret and cannot be pickled")

    def to_bytes(self) -> bytes:
        g = self.group
        return canonical_json(
            {
                **self.FORMAT.json_header(),
                "group": self.group_name,
                "n": self.n,
                "k": self.k,
                "trustee": self.index,
                "secret": b64_encode(g.encode_scalar(self.secret)),
                "public": encode_element(g, self.public),
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> TrusteeShare:
        """Parse a trustee key file's bytes (canonical JSON); checks ``secret·G = public``."""
        obj = load_payload(cls.FORMAT, data)
        w = "trustee-key"
        exact_fields(obj, {"type", "version", "group", "n", "k", "trustee", "secret", "public"}, w)
        g = _group_field(obj, w)
        n = int_field(obj, "n", w, 1, MAX_TRUSTEES)
        k = int_field(obj, "k", w, 1, n)
        index = int_field(obj, "trustee", w, 1, n)
        raw = b64_field(obj["secret"], f"{w}.secret", g.scalar_size)
        try:
            secret = g.decode_scalar(raw)
        except MalformedInput as exc:
            raise MalformedInput(f"{w}.secret: {exc.message}", where=f"{w}.secret") from exc
        return cls(g.name, n, k, index, secret, decode_element(g, obj["public"], f"{w}.public"))

    def save(self, path: Path | str) -> None:
        """Write the key file mode 0600, atomically; never overwrite (LedgerError)."""
        save_secret_file(path, self.to_bytes())

    @classmethod
    def load(cls, path: Path | str) -> TrusteeShare:
        """Read a key file; refuses one readable by group or others (LedgerError), validates it (MalformedInput)."""
        return cls.from_bytes(load_secret_file(path))


def save_secret_file(path: Path | str, data: bytes) -> None:
    """Create ``path`` mode 0600 atomically (temp file in the same folder, fsync, then link); never overwrite."""
    write_atomic(path, data, secret=True, overwrite=False, what="the key file", error=LedgerError)


def load_secret_file(path: Path | str, max_size: int = 1 << 16) -> bytes:
    """The bytes of a secret file; LedgerError if unreadable or readable by group/others, MalformedInput if large."""
    path = Path(path)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if os.name == "posix" and mode & 0o077:
            raise LedgerError(f"key file {path} is readable by others (mode {mode:o}); chmod 600 it")
        data = path.read_bytes()
    except OSError as exc:
        raise LedgerError(f"cannot read the key file {path}: {exc.strerror or exc}") from exc
    if len(data) > max_size:
        raise MalformedInput(f"{path}: too large for a key file")
    return data
