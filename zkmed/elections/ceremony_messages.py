"""The key ceremony's public messages (ledger payloads) and the parameters they bind.

Four message types, one per round (``docs/election-ceremony.md`` has the math and the
verification steps; ``docs/formats.md`` the JSON shapes):

======================================  =========================================================
``zkmed.election.ceremony-round1``      trustee i's Feldman commitments ``C_il = a_il·G``, one
                                        Schnorr proof of knowledge per coefficient, its HPKE
                                        public key and its message-signing key ``P_i``
``zkmed.election.ceremony-round2``      the shares ``f_i(j)`` HPKE-encrypted to every other trustee
``zkmed.election.ceremony-round3``      the dealers whose share trustee i rejects (complaints)
``zkmed.election.ceremony-answer``      a complained-about dealer's public answer: the disputed
                                        shares in the clear
======================================  =========================================================

Every proof binds :meth:`CeremonyParams.binding` (group, n, k and the caller's context) and
the trustee index; messages after round 1 carry a Schnorr signature under ``P_i`` over their
canonical body, so nobody but trustee i (not even a ledger authority) can post them.
``from_payload`` validates everything it can without the other messages (canonical JSON,
type/version, indices in range, elements in the group and not the identity, scalars < q).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from zkmed import formats
from zkmed.canonical_json import canonical_json, parse_json
from zkmed.elections.fields import b64_encode, b64_field, exact_fields, int_field, list_field, load_payload
from zkmed.elections.hpke_shares import usable_public_key
from zkmed.encoding import length_prefixed, u32
from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.groups import Element, Group, get_group
from zkmed.proofs import DlogProof, prove_dlog, verify_dlog

__all__ = [
    "HPKE_KEY_SIZE", "MAX_CONTEXT", "MAX_TRUSTEES", "AnswerMessage", "CeremonyParams", "Message", "Round1Message",
    "Round2Message", "Round3Message", "coefficient_context", "decode_element", "decode_proof", "encode_element", "encode_proof",
    "hpke_ciphertext_size", "message_from_payload",
]  # fmt: skip

MAX_TRUSTEES = 100
MAX_CONTEXT = 1024
HPKE_KEY_SIZE = 32  # X25519 public key


@dataclass(frozen=True)
class CeremonyParams:
    """What every ceremony proof binds: the group, ``n`` trustees, quorum ``k`` and the caller's ``context``."""

    group_name: str
    n: int
    k: int
    context: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.group_name, str):
            raise MalformedInput("ceremony: the group name must be a string")
        get_group(self.group_name)  # MalformedInput for an unknown group
        for name, value in (("n", self.n), ("k", self.k)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise MalformedInput(f"ceremony: {name} must be an integer")
        if not 1 <= self.k <= self.n <= MAX_TRUSTEES:
            raise MalformedInput(f"ceremony: need 1 <= k <= n <= {MAX_TRUSTEES} (got n={self.n}, k={self.k})")
        if not isinstance(self.context, bytes) or len(self.context) > MAX_CONTEXT:
            raise MalformedInput(f"ceremony: the context must be bytes (at most {MAX_CONTEXT})")

    @property
    def group(self) -> Group:
        return get_group(self.group_name)

    def binding(self) -> bytes:
        """``lp("zkmed/election/ceremony/v1") ‖ lp(group) ‖ u32(n) ‖ u32(k) ‖ lp(context)``: in every challenge."""
        return (
            length_prefixed(b"zkmed/election/ceremony/v1")
            + length_prefixed(self.group_name.encode())
            + u32(self.n)
            + u32(self.k)
            + length_prefixed(self.context)
        )


# ---------------------------------------------------------------------------
# field codecs


def encode_element(group: Group, e: Element) -> str:
    return b64_encode(group.encode_element(e))


def decode_element(group: Group, value: Any, where: str) -> Element:
    """A base64 element: canonical, in the group (order-q subgroup), never the identity."""
    data = b64_field(value, where, group.element_size)
    try:
        return group.decode_element(data)
    except MalformedInput as exc:
        raise MalformedInput(f"{where}: {exc.message}", where=where) from exc


def encode_proof(proof: DlogProof) -> str:
    return b64_encode(proof.group.encode_scalars([proof.challenge, proof.response]))


def decode_proof(group: Group, value: Any, where: str) -> DlogProof:
    data = b64_field(value, where, 2 * group.scalar_size)
    try:
        c, s = group.decode_scalars(data, 2)
    except MalformedInput as exc:
        raise MalformedInput(f"{where}: {exc.message}", where=where) from exc
    return DlogProof(group, c, s)


def hpke_ciphertext_size(group: Group) -> int:
    """An encrypted share: the X25519 ``enc`` (32 bytes) ‖ AEAD(scalar) (``Ns`` + 16-byte tag)."""
    return HPKE_KEY_SIZE + group.scalar_size + 16


def _index(obj: dict[str, Any], name: str, where: str) -> int:
    return int_field(obj, name, where, 1, MAX_TRUSTEES)


def coefficient_context(params: CeremonyParams, index: int, hpke_key: bytes, auth: bytes, j: int) -> bytes:
    """The context of trustee ``index``'s proof of knowledge of coefficient ``j`` (binds its round-1 keys)."""
    return params.binding() + b"coefficient" + u32(index) + length_prefixed(hpke_key) + length_prefixed(auth) + u32(j)


def _signature_context(params: CeremonyParams, fmt: formats.Format, sender: int, body: bytes) -> bytes:
    return (
        params.binding()
        + b"signature"
        + length_prefixed(fmt.name.encode())
        + u32(sender)
        + hashlib.sha256(body).digest()
    )


# ---------------------------------------------------------------------------
# messages


@dataclass(frozen=True)
class Round1Message:
    """Trustee ``index``'s commitments ``C_j = a_j·G`` (j = 0..k-1), their proofs, HPKE key and signing key."""

    FORMAT = formats.CEREMONY_ROUND1
    group: Group = field(repr=False)
    index: int
    commitments: tuple[Element, ...] = field(repr=False)
    proofs: tuple[DlogProof, ...] = field(repr=False)
    hpke_key: bytes = field(repr=False)
    auth_key: Element = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        g = self.group
        return {
            **self.FORMAT.json_header(),
            "trustee": self.index,
            "commitments": [encode_element(g, c) for c in self.commitments],
            "proofs": [encode_proof(p) for p in self.proofs],
            "hpke_key": b64_encode(self.hpke_key),
            "auth_key": encode_element(g, self.auth_key),
        }

    def to_payload(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_payload(cls, group: Group, data: bytes) -> Round1Message:
        obj = load_payload(cls.FORMAT, data)
        w = "ceremony-round1"
        exact_fields(obj, {"type", "version", "trustee", "commitments", "proofs", "hpke_key", "auth_key"}, w)
        index = _index(obj, "trustee", w)
        commitments = list_field(obj, "commitments", w, 1, MAX_TRUSTEES)
        proofs = list_field(obj, "proofs", w, 1, MAX_TRUSTEES)
        if len(proofs) != len(commitments):
            raise MalformedInput(f"{w}: one proof per commitment", where=f"{w}.proofs")
        return cls(
            group,
            index,
            tuple(decode_element(group, c, f"{w}.commitments[{j}]") for j, c in enumerate(commitments)),
            tuple(decode_proof(group, p, f"{w}.proofs[{j}]") for j, p in enumerate(proofs)),
            b64_field(obj["hpke_key"], f"{w}.hpke_key", HPKE_KEY_SIZE),
            decode_element(group, obj["auth_key"], f"{w}.auth_key"),
        )

    def verify(self, params: CeremonyParams) -> None:
        """Check the count of commitments and every proof of knowledge (VerificationError naming trustee/round)."""
        where = f"trustee {self.index}, round 1"
        if self.group.name != params.group_name:
            raise VerificationError(f"{where}: message for group {self.group.name}", where=where)
        if not 1 <= self.index <= params.n:
            raise VerificationError(f"{where}: trustee index out of range 1..{params.n}", where=where)
        if len(self.commitments) != params.k or len(self.proofs) != params.k:
            raise VerificationError(f"{where}: expected {params.k} commitments and proofs", where=where)
        if not usable_public_key(self.hpke_key):
            raise VerificationError(f"{where}: the HPKE public key is unusable (low order)", where=where)
        auth = self.group.encode_element(self.auth_key)
        for j, (c, proof) in enumerate(zip(self.commitments, self.proofs, strict=True)):
            ctx = coefficient_context(params, self.index, self.hpke_key, auth, j)
            try:
                verify_dlog(self.group, c, proof, context=ctx)
            except VerificationError as exc:
                raise VerificationError(
                    f"{where}: the proof of knowledge of coefficient {j} is invalid", where=where
                ) from exc


class _Signed:
    """A message after round 1: a canonical body signed with the sender's round-1 ``auth_key``."""

    FORMAT: formats.Format
    ROUND: str
    group: Group
    sender: int
    signature: DlogProof | None

    def body(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        if self.signature is None:
            raise MalformedInput(f"{self.FORMAT.name}: unsigned message")
        return {**self.body(), "signature": encode_proof(self.signature)}

    def to_payload(self) -> bytes:
        return canonical_json(self.to_json())

    def signing_context(self, params: CeremonyParams) -> bytes:
        return _signature_context(params, self.FORMAT, self.sender, canonical_json(self.body()))

    def check_signature(self, params: CeremonyParams, auth_key: Element) -> None:
        where = f"trustee {self.sender}, {self.ROUND}"
        if self.signature is None:
            raise VerificationError(f"{where}: unsigned message", where=where)
        try:
            verify_dlog(self.group, auth_key, self.signature, context=self.signing_context(params))
        except VerificationError as exc:
            raise VerificationError(f"{where}: invalid signature", where=where) from exc

    def _signed(self, params: CeremonyParams, auth_secret: int, auth_key: Element, rng: Any) -> Any:
        sig = prove_dlog(self.group, auth_key, auth_secret, context=self.signing_context(params), rng=rng)
        return type(self)(**{**{f: getattr(self, f) for f in self.__dataclass_fields__}, "signature": sig})  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Round2Message(_Signed):
    """Dealer ``sender``'s shares ``f_sender(j)``, HPKE-encrypted to every other trustee j."""

    FORMAT = formats.CEREMONY_ROUND2
    ROUND = "round 2"
    group: Group = field(repr=False)
    sender: int
    ciphertexts: tuple[tuple[int, bytes], ...] = field(repr=False)  # (recipient, HPKE ciphertext), sorted
    signature: DlogProof | None = field(default=None, repr=False)

    def body(self) -> dict[str, Any]:
        return {
            **self.FORMAT.json_header(),
            "trustee": self.sender,
            "shares": [{"recipient": j, "ciphertext": b64_encode(ct)} for j, ct in self.ciphertexts],
        }

    @classmethod
    def from_payload(cls, group: Group, data: bytes) -> Round2Message:
        obj = load_payload(cls.FORMAT, data)
        w = "ceremony-round2"
        exact_fields(obj, {"type", "version", "trustee", "shares", "signature"}, w)
        sender = _index(obj, "trustee", w)
        items = []
        for j, item in enumerate(list_field(obj, "shares", w, 0, MAX_TRUSTEES)):
            wj = f"{w}.shares[{j}]"
            exact_fields(item, {"recipient", "ciphertext"}, wj)
            items.append(
                (
                    _index(item, "recipient", wj),
                    b64_field(item["ciphertext"], f"{wj}.ciphertext", hpke_ciphertext_size(group)),
                )
            )
        recipients = [r for r, _ in items]
        if recipients != sorted(set(recipients)) or sender in recipients:
            raise MalformedInput(f"{w}: recipients must be increasing, distinct, not the sender", where=f"{w}.shares")
        return cls(group, sender, tuple(items), decode_proof(group, obj["signature"], f"{w}.signature"))


@dataclass(frozen=True)
class Round3Message(_Signed):
    """Trustee ``sender``'s complaints: the dealers whose share did not decrypt or match their commitments."""

    FORMAT = formats.CEREMONY_ROUND3
    ROUND = "round 3"
    group: Group = field(repr=False)
    sender: int
    complaints: tuple[int, ...]
    signature: DlogProof | None = field(default=None, repr=False)

    def body(self) -> dict[str, Any]:
        return {**self.FORMAT.json_header(), "trustee": self.sender, "complaints": list(self.complaints)}

    @classmethod
    def from_payload(cls, group: Group, data: bytes) -> Round3Message:
        obj = load_payload(cls.FORMAT, data)
        w = "ceremony-round3"
        exact_fields(obj, {"type", "version", "trustee", "complaints", "signature"}, w)
        sender = _index(obj, "trustee", w)
        raw = list_field(obj, "complaints", w, 0, MAX_TRUSTEES)
        complaints = [_index({"c": c}, "c", f"{w}.complaints[{j}]") for j, c in enumerate(raw)]
        if complaints != sorted(set(complaints)) or sender in complaints:
            raise MalformedInput(f"{w}: complaints must be increasing, distinct dealers", where=f"{w}.complaints")
        return cls(group, sender, tuple(complaints), decode_proof(group, obj["signature"], f"{w}.signature"))


@dataclass(frozen=True)
class AnswerMessage(_Signed):
    """A complained-about dealer's answer: the disputed shares ``f_sender(j)`` published in the clear."""

    FORMAT = formats.CEREMONY_ANSWER
    ROUND = "answer"
    group: Group = field(repr=False)
    sender: int
    shares: tuple[tuple[int, int], ...] = field(repr=False)  # (complaining trustee j, f_sender(j)), sorted
    signature: DlogProof | None = field(default=None, repr=False)

    def body(self) -> dict[str, Any]:
        g = self.group
        return {
            **self.FORMAT.json_header(),
            "trustee": self.sender,
            "shares": [{"recipient": j, "share": b64_encode(g.encode_scalar(s))} for j, s in self.shares],
        }

    @classmethod
    def from_payload(cls, group: Group, data: bytes) -> AnswerMessage:
        obj = load_payload(cls.FORMAT, data)
        w = "ceremony-answer"
        exact_fields(obj, {"type", "version", "trustee", "shares", "signature"}, w)
        sender = _index(obj, "trustee", w)
        items = []
        for j, item in enumerate(list_field(obj, "shares", w, 1, MAX_TRUSTEES)):
            wj = f"{w}.shares[{j}]"
            exact_fields(item, {"recipient", "share"}, wj)
            raw = b64_field(item["share"], f"{wj}.share", group.scalar_size)
            try:
                share = group.decode_scalar(raw)
            except MalformedInput as exc:
                raise MalformedInput(f"{wj}.share: {exc.message}", where=f"{wj}.share") from exc
            items.append((_index(item, "recipient", wj), share))
        recipients = [r for r, _ in items]
        if recipients != sorted(set(recipients)) or sender in recipients:
            raise MalformedInput(f"{w}: recipients must be increasing, distinct, not the sender", where=f"{w}.shares")
        return cls(group, sender, tuple(items), decode_proof(group, obj["signature"], f"{w}.signature"))


Message = Round1Message | Round2Message | Round3Message | AnswerMessage
_BY_TYPE: dict[str, Any] = {m.FORMAT.name: m for m in (Round1Message, Round2Message, Round3Message, AnswerMessage)}


def message_from_payload(group: Group, data: bytes) -> Message:
    """Any ceremony message, by its ``type``."""
    if not isinstance(data, (bytes, bytearray)):
        raise MalformedInput("ceremony message: expected payload bytes")
    found = formats.peek_json(parse_json(bytes(data), require_canonical=True))
    kind = _BY_TYPE.get(found.name)
    if kind is None:
        raise MalformedInput(f"not a ceremony message: {found.name}")
    return kind.from_payload(group, data)  # type: ignore[no-any-return]
