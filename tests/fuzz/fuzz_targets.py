"""Every decoder and parser of the library as a fuzz :class:`~fuzz_support.Target`, with valid seeds.

Groups: every backend of ``zkmed.hazmat.groups.BACKENDS``.  Proofs: the
recipes' typed proofs, Bulletproofs, small-range OR proofs, IETF NARG strings
and linear relations, OR proofs.  Formats: ``zkmed.formats``.  Ledger:
entries, blocks, authority sets and changes, signed notes, checkpoints, trust
policies, vkeys, key files, receipts and consistency proofs (seeds from a real
ledger built once in a temporary directory).  Encoding: hex, base64, UTF-8,
the IETF little-endian readers, canonical JSON (structured strategies live in
``test_decoders.py``).
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import targets_electionguard
import targets_elections
import targets_records
import targets_serve
from fuzz_support import Target, definitions, qualname

from zkmed import canonical_json as cj
from zkmed import encoding as enc
from zkmed import formats
from zkmed.errors import BackendUnavailable, ZkmedError
from zkmed.files import read_limited
from zkmed.hazmat import transcript
from zkmed.hazmat.groups import BACKENDS, get_group, sec1
from zkmed.hazmat.groups.base import Group

VECTORS = Path(__file__).parent.parent / "vectors" / "ietf-sigma" / "sigma-proofs_Shake128_P256.json"
CTX = b"zkmed-fuzz"


def _covers(obj: Any, *attrs: str) -> tuple[str, ...]:
    return tuple(qualname(obj, a) for a in attrs)


# ---------------------------------------------------------------------------
# groups


def _group_targets(name: str) -> list[Target]:
    g = get_group(name)
    ne, ns = g.element_size, g.scalar_size
    heavy = name in ("EG4096", "secp256k1-pyecc")

    def elements() -> list[bytes]:
        points = [g.mul(g.generator(), g.random_scalar()) for _ in range(3)]
        return [g.encode_element(p) for p in points] + [g.encode_elements(points)]

    def scalars() -> list[bytes]:
        return [g.encode_scalar(0), g.encode_scalar(g.order - 1), g.encode_scalars([g.random_scalar()] * 3)]

    size = max(2 * ne, 64) + 8

    def _covers(g: Group, attr: str) -> tuple[str, ...]:  # the backend's method and the base class's it overrides
        extra = (f"{sec1.__name__}:{sec1.decode_compressed.__qualname__}",) if name != "EG4096" else ()
        return (*definitions(g, attr), *(extra if attr == "decode_element" else ()))

    return [
        Target(
            f"{name}.decode_element",
            lambda d: g.decode_element(d),
            _covers(g, "decode_element"),
            seeds=elements,
            max_size=size,
            heavy=heavy,
        ),
        Target(
            f"{name}.decode_element(allow_identity)",
            lambda d: g.decode_element(d, allow_identity=True),
            _covers(g, "decode_element"),
            seeds=elements,
            max_size=size,
            heavy=heavy,
        ),
        Target(
            f"{name}.decode_elements",
            lambda d: g.decode_elements(d, max(1, len(d) // ne)),
            _covers(g, "decode_elements"),
            seeds=elements,
            max_size=size,
            heavy=heavy,
        ),
        Target(f"{name}.decode_scalar", lambda d: g.decode_scalar(d), _covers(g, "decode_scalar"), seeds=scalars),
        Target(
            f"{name}.decode_scalars",
            lambda d: g.decode_scalars(d, max(1, len(d) // ns)),
            _covers(g, "decode_scalars"),
            seeds=scalars,
        ),
    ]


# ---------------------------------------------------------------------------
# proofs


@functools.cache
def _sigma_vectors() -> list[dict[str, str]]:
    return [v for v in json.loads(VECTORS.read_text()) if v.get("Expected", "accept") == "accept"]


def _scalar_seeds(g: Group, decode: Callable[[bytes], object], fmt: formats.Format | None) -> list[bytes]:
    """Structurally valid encodings of a scalars-only proof: the first scalar counts the decoder accepts
    (with the class's format header, if it has one).  Decoders check structure, not validity."""
    out = []
    for count in range(1, 16):
        body = g.encode_scalars([g.random_scalar() for _ in range(count)])
        data = fmt.wrap(body) if fmt is not None else body
        try:
            decode(data)
        except ZkmedError:
            continue
        out.append(data)
    return out


def _proof_targets() -> list[Target]:
    from zkmed.proofs import sigma as R

    g = get_group("P256")
    extra = {R.MembershipProof: (3,), R.VectorOpeningProof: (3,), R.VectorEqualityProof: (3,)}
    out = []
    for cls in (
        R.DlogProof,
        R.DleqProof,
        R.OpeningProof,
        R.EqualityProof,
        R.BitProof,
        R.MembershipProof,
        R.VectorOpeningProof,
        R.VectorEqualityProof,
    ):

        def call(d: Any, cls: Any = cls) -> object:
            return cls.from_bytes(g, d, *extra.get(cls, ()))

        out.append(
            Target(
                f"proofs.{cls.__name__}.from_bytes",
                call,
                _covers(cls, "from_bytes"),
                seeds=lambda call=call, cls=cls: _scalar_seeds(g, call, getattr(cls, "FORMAT", None)),
            )
        )
    return out


def _range_targets() -> list[Target]:
    from zkmed.hazmat.bulletproofs.bulletproofs import RangeProof, prove_range
    from zkmed.hazmat.commitments import PedersenParams
    from zkmed.proofs.small_range import SmallRangeProof, prove_small_range

    g = get_group("P256")

    @functools.cache
    def range_seeds() -> list[bytes]:
        proof, _ = prove_range(PedersenParams.default(g), 8, 37, g.random_scalar(), context=CTX)
        return [proof.to_bytes()]

    @functools.cache
    def small_seeds() -> list[bytes]:
        params = PedersenParams.default(g)
        blinding = g.random_scalar()
        proof = prove_small_range(params, params.commit(5, blinding), 3, 7, 5, blinding, context=CTX)
        return [proof.to_bytes()]

    return [
        Target(
            "proofs.RangeProof.from_bytes",
            lambda d: RangeProof.from_bytes(g, d),
            _covers(RangeProof, "from_bytes"),
            seeds=range_seeds,
            max_size=1024,
        ),
        Target(
            "proofs.RangeProof.from_bytes(n=8,m=1)",
            lambda d: RangeProof.from_bytes(g, d, n=8, m=1),
            _covers(RangeProof, "from_bytes"),
            seeds=range_seeds,
            max_size=1024,
        ),
        Target(
            "proofs.SmallRangeProof.from_bytes",
            lambda d: SmallRangeProof.from_bytes(g, d),
            _covers(SmallRangeProof, "from_bytes"),
            seeds=small_seeds,
        ),
    ]


def _sigma_targets() -> list[Target]:
    from zkmed.hazmat.sigma import BatchableProof, CompactProof, LinearRelation, verify_nizk
    from zkmed.hazmat.sigma.compose import OrProof

    g = get_group("P256")

    @functools.cache
    def relation() -> LinearRelation:
        v = next(v for v in _sigma_vectors() if v["Flavor"] == "batchable")
        return LinearRelation.deserialize(g, bytes.fromhex(v["Instance"]))

    def instances() -> list[bytes]:
        return [bytes.fromhex(v["Instance"]) for v in _sigma_vectors()]

    def nargs(flavor: str) -> Callable[[], list[bytes]]:
        return lambda: [bytes.fromhex(v["NargString"]) for v in _sigma_vectors() if v["Flavor"] == flavor]

    def or_seeds() -> list[bytes]:
        rel = relation()
        return [g.encode_scalars([g.random_scalar() for _ in range(2 + 2 * rel.num_scalars)])]

    def nizk(flavor: str) -> Callable[[bytes], object]:
        v = next(v for v in _sigma_vectors() if v["Flavor"] == flavor)
        instance, tag = bytes.fromhex(v["Instance"]), v["Tag"].encode()
        return lambda d: verify_nizk(v["Ciphersuite"], flavor, tag, instance, d)

    def nizk_instance(d: bytes) -> object:
        v = _sigma_vectors()[0]
        return verify_nizk(v["Ciphersuite"], v["Flavor"], v["Tag"].encode(), d, bytes.fromhex(v["NargString"]))

    return [
        Target(
            "sigma.LinearRelation.deserialize",
            lambda d: LinearRelation.deserialize(g, d),
            _covers(LinearRelation, "deserialize"),
            seeds=instances,
        ),
        Target(
            "sigma.BatchableProof.from_bytes",
            lambda d: BatchableProof.from_bytes(relation(), d),
            _covers(BatchableProof, "from_bytes"),
            seeds=nargs("batchable"),
        ),
        Target(
            "sigma.CompactProof.from_bytes",
            lambda d: CompactProof.from_bytes(relation(), d),
            _covers(CompactProof, "from_bytes"),
            seeds=nargs("compact"),
        ),
        Target(
            "sigma.OrProof.from_bytes",
            lambda d: OrProof.from_bytes([relation(), relation()], d),
            _covers(OrProof, "from_bytes"),
            seeds=or_seeds,
        ),
        Target("sigma.verify_nizk(batchable proof)", nizk("batchable"), (), seeds=nargs("batchable")),
        Target("sigma.verify_nizk(compact proof)", nizk("compact"), (), seeds=nargs("compact")),
        Target("sigma.verify_nizk(instance)", nizk_instance, (), seeds=instances),
    ]


# ---------------------------------------------------------------------------
# formats and encoding


def _format_targets() -> list[Target]:
    registered = sorted(formats.REGISTRY.values(), key=lambda f: f.code)

    def wrapped() -> list[bytes]:
        return [f.wrap(b"body") for f in registered] + [f.header for f in registered]

    out = [
        Target("formats.peek", formats.peek, (qualname(formats.peek),), seeds=wrapped),
        Target(
            "formats.get_format",
            formats.get_format,
            (qualname(formats.get_format),),
            text=True,
            seeds=lambda: list(formats.REGISTRY),
        ),
    ]
    from zkmed.hazmat.commitments import PedersenParams, decode_commitment, encode_commitment

    g = get_group("P256")

    def commitments() -> list[bytes]:
        return [encode_commitment(g, g.mul(g.generator(), g.random_scalar()))]

    def peek_json(text: str) -> object:
        doc = cj.parse_json(text)
        formats.peek_json(doc).check_json(doc)
        return doc

    out += [
        Target(
            "commitments.PedersenParams.decode",
            PedersenParams.decode,
            _covers(PedersenParams, "decode"),
            seeds=lambda: [PedersenParams.default(g).encode(), PedersenParams.derive(g, b"fuzz").encode()],
        ),
        Target(
            "commitments.decode_commitment",
            lambda d: decode_commitment(g, d),
            (qualname(decode_commitment),),
            seeds=commitments,
        ),
        Target(
            "formats.peek_json",
            peek_json,
            (qualname(formats.peek_json),),
            text=True,
            seeds=lambda: ['{"type":"zkmed.ledger.entry","version":1}', '{"type":"zkmed.proof.dlog","version":2}'],
        ),
    ]
    for fmt in registered[:3] + registered[-2:]:
        out.append(Target(f"formats.{fmt.name}.unwrap", fmt.unwrap, _covers(fmt, "unwrap"), seeds=wrapped))
    return out


def _encoding_targets() -> list[Target]:
    def text_seeds(*values: str) -> Callable[[], list[str]]:
        return lambda: list(values)

    return [
        Target(  # any text as a path: missing, a directory, too long, NUL bytes, lone surrogates
            "files.read_limited",
            lambda t: read_limited(t, 1 << 16),
            (qualname(read_limited),),
            text=True,
            seeds=text_seeds("/etc/hostname", "/", "."),
        ),
        Target(
            "encoding.hex_decode", enc.hex_decode, (qualname(enc.hex_decode),), text=True, seeds=text_seeds("00ff", "")
        ),
        Target(
            "encoding.hex_decode(length=2)",
            lambda t: enc.hex_decode(t, length=2),
            (qualname(enc.hex_decode),),
            text=True,
            seeds=text_seeds("00ff"),
        ),
        Target(
            "encoding.b64_decode",
            enc.b64_decode,
            (qualname(enc.b64_decode),),
            text=True,
            seeds=text_seeds("YWJj", "YQ==", "YWI="),
        ),
        Target("encoding.utf8_encode", enc.utf8_encode, (qualname(enc.utf8_encode),), text=True, seeds=text_seeds("é")),
        Target("encoding.utf8_decode", enc.utf8_decode, (qualname(enc.utf8_decode),), seeds=lambda: ["é€😀".encode()]),
        Target(
            "canonical_json.parse_json(bytes)",
            cj.parse_json,
            (qualname(cj.parse_json),),
            seeds=lambda: [b'{"a":[1,"x",null,true],"b":{"c":-7}}', b'"\\ud83d\\ude00"'],
        ),
        Target(
            "canonical_json.parse_json(text, canonical)",
            lambda t: cj.parse_json(t, require_canonical=True),
            (qualname(cj.parse_json),),
            text=True,
            seeds=text_seeds('{"a":[1,"x",null,true],"b":{"c":-7}}', '["\\u0000"]'),
        ),
        Target(
            "encoding.ietf_read_varlen",
            enc.ietf_read_varlen,
            (qualname(enc.ietf_read_varlen),),
            seeds=lambda: [enc.ietf_varlen(b"proof") + b"rest"],
        ),
        Target(
            "encoding.ietf_read_uint",
            lambda d: enc.ietf_read_uint(d, get_group("P256").order),
            (qualname(enc.ietf_read_uint),),
            seeds=lambda: [enc.le_uint(5, 32)],
        ),
        Target(
            "encoding.ietf_read_field",
            lambda d: enc.ietf_read_field(d, 2**255 - 19, 2),
            (qualname(enc.ietf_read_field),),
            seeds=lambda: [enc.le_uint(5, 32) * 2],
        ),
        Target(
            "encoding.Reader",
            _read_everything,
            (),
            seeds=lambda: [enc.Writer().u8(1).bytes_lp(b"ab").text("é").list_of([b"x"]).u64(9).finish()],
        ),
        Target(
            "transcript.decode_uint",
            lambda d: transcript.decode_uint(d, get_group("P256").order),
            (qualname(transcript.decode_uint),),
            seeds=lambda: [bytes(48)],
        ),
    ]


def _read_everything(data: bytes) -> object:
    r = enc.Reader(data, "fuzz")
    out = (r.u8(), r.bytes_lp(1 << 16), r.text(1 << 16), r.list_of(16), r.u64())
    r.finish()
    return out


# ---------------------------------------------------------------------------
# ledger


@functools.cache
def _ledger_artifacts() -> dict[str, list[Any]]:
    """Real artifacts of a small ledger (3 authorities, 2-of-3), built once in a temporary directory."""
    from zkmed.ledger.authorities import AuthorityChange, AuthoritySet
    from zkmed.ledger.fork import ForkEvidence
    from zkmed.ledger.keys import AuthorityKey
    from zkmed.ledger.ledger import Ledger

    with tempfile.TemporaryDirectory(prefix="zkmed-fuzz-") as tmp:
        with Ledger.init(Path(tmp) / "board", authorities=3, threshold=2, name="fuzz.example") as led:
            for i in range(5):
                led.append("ballot", f'{{"ballot":{i}}}'.encode(), seal=True)
            led.checkpoint()
            receipt = led.prove_inclusion(2)
            consistency = led.prove_consistency(1)
            policy = led.policy()
            blocks = [led.block(h) for h in range(led.height + 1)]
            entries = [led.entry(s) for s in range(3)]
            keys = list(led.keys)
            signed = led.latest_checkpoint()
            ledger_id = led.ledger_id
            state = led.state
    others = [AuthorityKey.from_seed(f"fuzz.example/new-{i}", bytes([i]) * 32) for i in range(1, 3)]
    change = AuthorityChange.create(ledger_id, 9, AuthoritySet.from_keys(others, 1), state.authorities, keys)
    policy_text = policy.format()
    assert signed is not None
    return {
        "entry": [e.encode() for e in entries],
        "entry-export": [e.export() for e in entries],
        "block": [b.encode() for b in blocks],
        "block-export": [b.export() for b in blocks],
        "fork-evidence": [ForkEvidence(signed.checkpoint.origin, 1, blocks[1], blocks[1]).format()],
        "authority-set": [state.authorities.encode()],
        "authority-change": [change.encode()],
        "signature-list": [blocks[-1].signatures.encode()],
        "receipt": [receipt.format()],
        "consistency": [consistency.format()],
        "checkpoint": [signed.text()],
        "checkpoint-body": [signed.checkpoint.text()],
        "policy": [policy_text],
        "vkey": [line[len("vkey ") :] for line in policy_text.splitlines() if line.startswith("vkey ")],
        "key-file": [keys[0].file_text()],
        "decimal": ["0", "42", str((1 << 64) - 1)],
    }


def _ledger_targets() -> list[Target]:
    from zkmed.ledger.authorities import AuthorityChange, AuthoritySet, SignatureList
    from zkmed.ledger.blocks import Block, GenesisInfo
    from zkmed.ledger.checkpoint import Checkpoint, SignedCheckpoint, TrustPolicy, parse_decimal
    from zkmed.ledger.entries import Entry
    from zkmed.ledger.fork import ForkEvidence
    from zkmed.ledger.keys import AuthorityKey
    from zkmed.ledger.note import SignedNote, parse_vkey, text_lines
    from zkmed.ledger.receipt import ConsistencyProof, TlogProof

    def seeds(kind: str) -> Callable[[], Sequence[Any]]:
        return lambda: _ledger_artifacts()[kind]

    def encoded(kind: str) -> Callable[[], Sequence[Any]]:
        return lambda: [s.encode("utf-8") for s in _ledger_artifacts()[kind]]

    def genesis_infos() -> list[bytes]:
        genesis = Block.decode(_ledger_artifacts()["block"][0]).genesis
        assert genesis is not None
        return [genesis.encode()]

    def signature_list(data: bytes) -> object:
        r = enc.Reader(data, "signature list")
        out = SignatureList.read(r)
        r.finish()
        return out

    def receipt_entry(text: str) -> object:
        return TlogProof.parse(text).entry()

    return [
        Target("ledger.Entry.decode", Entry.decode, _covers(Entry, "decode"), seeds=seeds("entry")),
        Target(
            "ledger.Entry.from_export", Entry.from_export, _covers(Entry, "from_export"), seeds=seeds("entry-export")
        ),
        Target("ledger.Block.decode", Block.decode, _covers(Block, "decode"), seeds=seeds("block"), max_size=1024),
        Target(
            "ledger.Block.from_export",
            Block.from_export,
            _covers(Block, "from_export"),
            seeds=seeds("block-export"),
            max_size=1024,
        ),
        Target(
            "ledger.ForkEvidence.parse(text)",
            ForkEvidence.parse,
            _covers(ForkEvidence, "parse"),
            text=True,
            seeds=seeds("fork-evidence"),
            max_size=4096,
        ),
        Target(
            "ledger.ForkEvidence.parse(bytes)",
            ForkEvidence.parse,
            _covers(ForkEvidence, "parse"),
            seeds=encoded("fork-evidence"),
            max_size=4096,
        ),
        Target("ledger.GenesisInfo.decode", GenesisInfo.decode, _covers(GenesisInfo, "decode"), seeds=genesis_infos),
        Target(
            "ledger.AuthoritySet.decode",
            AuthoritySet.decode,
            _covers(AuthoritySet, "decode", "read"),
            seeds=seeds("authority-set"),
        ),
        Target(
            "ledger.AuthorityChange.decode",
            AuthorityChange.decode,
            _covers(AuthorityChange, "decode"),
            seeds=seeds("authority-change"),
            max_size=1024,
        ),
        Target(
            "ledger.SignatureList.read", signature_list, _covers(SignatureList, "read"), seeds=seeds("signature-list")
        ),
        Target(
            "ledger.TlogProof.parse(text)",
            TlogProof.parse,
            _covers(TlogProof, "parse"),
            text=True,
            seeds=seeds("receipt"),
            max_size=2048,
        ),
        Target(
            "ledger.TlogProof.parse(bytes)",
            TlogProof.parse,
            _covers(TlogProof, "parse"),
            seeds=encoded("receipt"),
            max_size=2048,
        ),
        Target("ledger.TlogProof.entry", receipt_entry, (), text=True, seeds=seeds("receipt")),
        Target(
            "ledger.ConsistencyProof.parse(text)",
            ConsistencyProof.parse,
            _covers(ConsistencyProof, "parse"),
            text=True,
            seeds=seeds("consistency"),
            max_size=2048,
        ),
        Target(
            "ledger.ConsistencyProof.parse(bytes)",
            ConsistencyProof.parse,
            _covers(ConsistencyProof, "parse"),
            seeds=encoded("consistency"),
            max_size=2048,
        ),
        Target(
            "ledger.SignedNote.parse(text)",
            SignedNote.parse,
            _covers(SignedNote, "parse"),
            text=True,
            seeds=seeds("checkpoint"),
        ),
        Target(
            "ledger.SignedNote.parse(bytes)",
            SignedNote.parse,
            _covers(SignedNote, "parse"),
            seeds=encoded("checkpoint"),
        ),
        Target(
            "ledger.SignedCheckpoint.parse(text)",
            SignedCheckpoint.parse,
            _covers(SignedCheckpoint, "parse"),
            text=True,
            seeds=seeds("checkpoint"),
        ),
        Target(
            "ledger.SignedCheckpoint.parse(bytes)",
            SignedCheckpoint.parse,
            _covers(SignedCheckpoint, "parse"),
            seeds=encoded("checkpoint"),
        ),
        Target(
            "ledger.Checkpoint.parse_text",
            Checkpoint.parse_text,
            _covers(Checkpoint, "parse_text"),
            text=True,
            seeds=seeds("checkpoint-body"),
        ),
        Target(
            "ledger.TrustPolicy.parse",
            TrustPolicy.parse,
            _covers(TrustPolicy, "parse"),
            text=True,
            seeds=seeds("policy"),
            max_size=1024,
        ),
        Target("ledger.parse_vkey", parse_vkey, (qualname(parse_vkey),), text=True, seeds=seeds("vkey")),
        Target(
            "ledger.AuthorityKey.parse_file_text",
            AuthorityKey.parse_file_text,
            _covers(AuthorityKey, "parse_file_text"),
            text=True,
            seeds=seeds("key-file"),
        ),
        Target(
            "ledger.parse_decimal",
            lambda t: parse_decimal(t, "fuzz"),
            (qualname(parse_decimal),),
            text=True,
            seeds=seeds("decimal"),
        ),
        Target(
            "ledger.text_lines",
            lambda t: text_lines(t, 3, "fuzz"),
            (qualname(text_lines),),
            text=True,
            seeds=seeds("checkpoint-body"),
        ),
    ]


def all_targets() -> list[Target]:
    out = []
    for name in BACKENDS:
        try:
            out += _group_targets(name)
        except BackendUnavailable:  # pragma: no cover - every backend installs with the package
            continue
    out += _proof_targets() + _range_targets() + _sigma_targets()
    out += _format_targets() + _encoding_targets() + _ledger_targets()
    out += targets_elections.targets()
    out += targets_electionguard.targets()
    out += targets_records.targets()
    out += targets_serve.targets()
    return out
