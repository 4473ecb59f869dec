"""``zkmed ledger …``: create, grow, prove and audit an append-only ledger.

Every failure is a :class:`~zkmed.errors.ZkmedError` that ``cli/main.py``
turns into one message and an exit code (verification failures exit 2,
forks 3, bad input 4, store problems 7).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from pathlib import Path

import click
from rich.text import Text

from zkmed.canonical_json import canonical_json, parse_json
from zkmed.cli import render
from zkmed.cli.conventions import echo_json, from_environment, ledger_argument, result_json
from zkmed.encoding import b64_encode, hex_decode, utf8_decode
from zkmed.errors import MalformedInput, ZkmedError
from zkmed.files import AtomicFile, read_limited
from zkmed.formats import LEDGER_CONSISTENCY_PROOF, LEDGER_FORK_EVIDENCE, peek_json
from zkmed.ledger.audit import VERIFY_STEPS, audit_directory, report_json
from zkmed.ledger.checkpoint import SignedCheckpoint, TrustPolicy, cosignature_timestamp, verify_checkpoint
from zkmed.ledger.directory import POLICY_FILE, holds_keys
from zkmed.ledger.entries import Entry
from zkmed.ledger.fork import ForkEvidence, verify_fork_evidence
from zkmed.ledger.ledger import Appended, Ledger
from zkmed.ledger.receipt import (
    TLOG_PROOF_HEADER,
    ConsistencyProof,
    TlogProof,
    verify_consistency_proof,
    verify_receipt,
)
from zkmed.ledger.store import check_index
from zkmed.ledger.stores import check_url
from zkmed.ledger.summary import summary
from zkmed.ledger.sync import sync_directories

DirPath = click.Path(path_type=Path)  # checked by the library: LedgerError, not a usage error
FilePath = click.Path(path_type=Path)  # read or written by this module: MalformedInput / LedgerError
#: the largest file any ledger command reads (receipts, proofs, policies, checkpoints, entries)
MAX_READ = 8 << 20


def _read(path: Path) -> str:
    return utf8_decode(read_limited(path, MAX_READ), what=str(path))


def _echo_json(doc: dict) -> None:
    echo_json(doc)


def _Output(path: Path) -> AtomicFile:
    """An output file whose temporary file is created *before* the work that fills it (:mod:`zkmed.files`).

    A path that cannot be written then fails before the ledger changes (a
    checkpoint issued, a block sealed); when the work fails, nothing is left
    behind and an existing file keeps its content.
    """
    return AtomicFile(path, what="the output file")


def _when(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000)) + "Z"


def _warn(message: str) -> None:
    """A warning line on stdout (a result, not an error: stderr is for the one error line)."""
    render.console.print(Text.assemble(("⚠ WARNING: ", "bold yellow"), message), highlight=False, soft_wrap=True)


#: ``--store URL``: a PostgreSQL store instead of a ledger directory (commands that need no keys)
store_option = click.option(
    "--store", "store", metavar="URL", help="the ledger's PostgreSQL store (postgresql://…) instead of DIRECTORY"
)


def _target(directory: Path | None, store: str | None) -> Path | str:
    """The ledger DIRECTORY or the ``--store`` URL: exactly one of them (``--store`` wins over $ZKMED_LEDGER)."""
    ctx = click.get_current_context(silent=True)
    if store is not None and ctx is not None and from_environment(ctx, "directory"):
        directory = None
    if (directory is None) == (store is None):
        raise MalformedInput("give the ledger DIRECTORY or --store URL (postgresql://…), one of them")
    return directory if directory is not None else check_url(store)


def _trust_policy(path: Path | None) -> TrustPolicy | None:
    """The auditor's trust anchor from ``--policy FILE`` (None without one)."""
    return None if path is None else TrustPolicy.parse(_read(path))


@click.group()
def ledger() -> None:
    """Append-only ledger with RFC 9162 proofs, cosigned checkpoints and k-of-n authority signatures.

    Example: zkmed ledger init board && zkmed ledger show board
    """


@ledger.command()
@ledger_argument("directory")
@click.option("--authorities", "-n", "count", type=int, default=3, show_default=True, help="number of authorities n")
@click.option("--threshold", "-t", type=int, default=2, show_default=True, help="signatures t a block needs")
@click.option("--name", default="zkmed.ledger", show_default=True, help="ledger name (origin prefix)")
@click.option(
    "--store",
    metavar="URL",
    help="keep the entries in this empty PostgreSQL database (postgresql://…; recorded in DIRECTORY/store.url) "
    "instead of DIRECTORY/ledger.sqlite",
)
def init(directory: Path, count: int, threshold: int, name: str, store: str | None) -> None:
    """Create a ledger in DIRECTORY with N authority keys (written to DIRECTORY/keys, mode 0600).

    Example: zkmed ledger init board --authorities 3 --threshold 2
    """
    if store is not None:
        check_url(store)
    with Ledger.init(directory, authorities=count, threshold=threshold, name=name, store=store) as led:
        render.ok(f"ledger created: {led.origin}")
        if store is not None:
            render.console.print(f"  store: {led.store.location} (named in {directory / 'store.url'})")
        render.console.print(f"  {threshold}-of-{count} authorities; SECRET keys in {directory / 'keys'} (mode 0600)")
        render.console.print(f"  public trust policy: {directory / POLICY_FILE}")


def _payload(data: str | None, json_text: str | None, file: Path | None, hex_text: str | None) -> bytes:
    if sum(v is not None for v in (data, json_text, file, hex_text)) != 1:
        raise MalformedInput("give exactly one of DATA, --json, --file, --hex")
    if data is not None:
        return data.encode("utf-8")
    if json_text is not None:
        return canonical_json(parse_json(json_text))
    if hex_text is not None:
        return hex_decode(hex_text, what="--hex")
    return read_limited(file, MAX_READ) if file is not None else b""


@ledger.command()
@ledger_argument("directory")
@click.argument("data", required=False)
@click.option("--type", "entry_type", default="record", show_default=True, help="entry type")
@click.option("--json", "json_text", help="a JSON payload (stored as canonical JSON)")
@click.option("--file", type=FilePath, help="payload bytes from a file")
@click.option("--hex", "hex_text", help="payload bytes in hex")
def append(
    directory: Path, data: str | None, entry_type: str, json_text: str | None, file: Path | None, hex_text: str | None
) -> None:
    """Append one entry (DATA as UTF-8 text, or --json / --file / --hex) and seal it into a block.

    \b
    Example: zkmed ledger append board --type note --json '{"text": "hello"}'
    Example: ZKMED_LEDGER=board zkmed ledger append --json '{"text": "hello"}'
    """
    payload = _payload(data, json_text, file, hex_text)
    with Ledger.open(directory, signing=True) as led:
        done = led.append(entry_type, payload, seal=True)
    render.ok(f"entry {done.seq} appended in block {_sealed(done)}")


def _sealed(done: Appended) -> str:
    """``<height>; tree size <n>, root <base64>`` of the block that sealed ``done``."""
    return f"{done.height}; tree size {done.tree_size}, root {b64_encode(done.root or b'')}"


@ledger.command()
@ledger_argument("directory")
def seal(directory: Path) -> None:
    """Seal the pending entries (appended with deferred sealing, not yet signed) into one block.

    Example: zkmed ledger seal board
    """
    with Ledger.open(directory, signing=True) as led:
        done = led.seal()
        height = led.height
    if done is None:
        render.ok(f"nothing pending; the head is block {height}")
    else:
        render.ok(f"sealed {done.count} pending entries ({done.seqs[0]} … {done.seqs[-1]}) in block {_sealed(done)}")


@ledger.command()
@ledger_argument("directory", required=False)
@store_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(0, 10_000), help="recent blocks, entries")
@click.option("--json", "as_json", is_flag=True, help="machine-readable canonical JSON")
def show(directory: Path | None, store: str | None, limit: int, as_json: bool) -> None:
    """Show the ledger's head, authorities, recent blocks and entries.

    Example: zkmed ledger show board --limit 5 --json
    """
    with Ledger.open(_target(directory, store)) as led:  # read-only, no keys
        info = summary(led, limit)
    if as_json:
        return _echo_json(info)
    render.table(
        "ledger",
        ["field", "value"],
        [
            ["origin", info["origin"]],
            ["height", info["height"]],
            ["entries", info["entries"]],
            ["pending entries", info["pending"]],
            ["root", info["root"]],
            ["authorities", f"{info['threshold']}-of-{len(info['authorities'])}: " + ", ".join(info["authorities"])],
            ["latest checkpoint", info["latest_checkpoint"] if info["latest_checkpoint"] is not None else "none"],
        ],
    )
    render.table(
        "recent blocks",
        ["height", "time (UTC)", "tree size", "root", "signed by"],
        [
            [b["height"], _when(b["time_ms"]), b["tree_size"], b["root"][:16] + "…", len(b["signers"])]
            for b in info["blocks"]
        ],
    )
    render.table(
        "recent entries",
        ["seq", "type", "bytes", "payload sha-256", "sealed"],
        [
            [e["seq"], e["type"], e["size"], e["sha256"][:16] + "…", "yes" if e["sealed"] else "pending"]
            for e in info["recent_entries"]
        ],
    )


@ledger.command()
@ledger_argument("directory")
@click.option("--output", "-o", type=FilePath, help="also write the checkpoint here")
@click.option("--json", "as_json", is_flag=True, help="a zkmed.cli.result JSON document (the note in 'text')")
def checkpoint(directory: Path, output: Path | None, as_json: bool) -> None:
    """Cosign a checkpoint of the current tree with the authority keys held here; print it (a C2SP signed note).

    Example: zkmed ledger checkpoint board -o board.checkpoint
    """
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(_Output(output)) if output is not None else None
        with Ledger.open(directory, signing=True) as led:
            signed = led.checkpoint()
        if out is not None:
            out.commit(signed.text().encode("utf-8"))
    if as_json:
        cp = signed.checkpoint
        doc = {"origin": cp.origin, "tree_size": cp.tree_size, "root": b64_encode(cp.root), "text": signed.text()}
        echo_json(result_json("zkmed ledger checkpoint", doc))
        return
    click.echo(signed.text(), nl=False)


@ledger.group()
def prove() -> None:
    """Export inclusion receipts (.tlog-proof) and consistency proofs.

    Example: zkmed ledger prove inclusion board 0 -o entry-0.tlog-proof
    """


@prove.command("inclusion")
@ledger_argument("directory")
@click.argument("seq", type=int)
@click.option("--output", "-o", type=FilePath, help="default: entry-SEQ.tlog-proof")
@click.option("--entry-out", type=FilePath, help="also export the entry (zkmed.ledger.entry) for verify-proof --entry")
def prove_inclusion(directory: Path, seq: int, output: Path | None, entry_out: Path | None) -> None:
    """Write a C2SP tlog-proof receipt for entry SEQ (against the latest covering checkpoint).

    Example: zkmed ledger prove inclusion board 0 -o entry-0.tlog-proof --entry-out entry-0.entry
    """
    check_index(seq, "entry sequence number")  # before a file named after it is created
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(_Output(output or Path(f"entry-{seq}.tlog-proof")))
        entry_file = stack.enter_context(_Output(entry_out)) if entry_out is not None else None
        with Ledger.open(directory, signing=holds_keys(directory)) as led:  # keys only to issue a checkpoint
            receipt = led.prove_inclusion(seq)
        out.commit(receipt.format().encode("utf-8"))
        if entry_file is not None:
            entry_file.commit(receipt.entry().export())
    render.ok(f"receipt for entry {seq} written to {out.path}")


@prove.command("consistency")
@ledger_argument("directory")
@click.argument("size1", type=int)
@click.argument("size2", type=int, required=False)
@click.option("--output", "-o", type=FilePath, help="default: consistency-SIZE1.json")
def prove_consistency(directory: Path, size1: int, size2: int | None, output: Path | None) -> None:
    """Write a consistency proof from tree size SIZE1 to SIZE2 (default: the latest checkpoint).

    Example: zkmed ledger prove consistency board 1 3 -o consistency-1.json
    """
    check_index(size1, "size1")
    with _Output(output or Path(f"consistency-{size1}.json")) as out:
        with Ledger.open(directory, signing=holds_keys(directory)) as led:
            proof = led.prove_consistency(size1, size2)
        out.commit(proof.format().encode("utf-8"))
    new_size = SignedCheckpoint.parse(proof.new).checkpoint.tree_size
    render.ok(f"consistency proof {size1} → {new_size} written to {out.path}")


def _policy(policy: Path | None, ledger_dir: Path | None) -> TrustPolicy:
    if policy is not None and ledger_dir is not None:
        raise MalformedInput("give --policy or --ledger, not both")
    if ledger_dir is not None:
        with Ledger.open(ledger_dir) as led:
            return led.policy()
    if policy is None:
        raise MalformedInput("give the authorities' trust policy (--policy FILE) or a ledger directory (--ledger DIR)")
    return TrustPolicy.parse(_read(policy))


@ledger.command("verify-proof")
@click.argument("file", type=FilePath)
@click.option("--policy", type=FilePath, help="trust policy (authorities.txt)")
@click.option("--ledger", "ledger_dir", type=DirPath, help="take the trust policy from this ledger")
@click.option(
    "--entry", type=FilePath, help="the entry you expect (zkmed.ledger.entry file, from 'prove inclusion --entry-out')"
)
@click.option("--old", type=FilePath, help="the old checkpoint you hold")
@click.option("--json", "as_json", is_flag=True, help="a zkmed.cli.result JSON document on stdout")
def verify_proof(
    file: Path, policy: Path | None, ledger_dir: Path | None, entry: Path | None, old: Path | None, as_json: bool
) -> None:
    """Verify a receipt, consistency proof or checkpoint offline against the authorities' keys.

    Example: zkmed ledger verify-proof entry-0.tlog-proof --policy board/authorities.txt --json
    """
    trust = _policy(policy, ledger_dir)
    doc, headline, details = _check_proof(file, _read(file), trust, entry, old)
    if as_json:
        echo_json(result_json("zkmed ledger verify-proof", doc))
        return
    render.ok(headline)
    for line in details:
        render.console.print(line, highlight=False, markup=False)


def _check_proof(
    file: Path, text: str, trust: TrustPolicy, entry: Path | None, old: Path | None
) -> tuple[dict, str, list[str]]:
    """Verify the proof in ``text``: its JSON result, the headline and the detail lines."""
    if text.startswith(TLOG_PROOF_HEADER):
        receipt = TlogProof.parse(text)
        verify_receipt(
            receipt, trust, Entry.from_export(read_limited(entry, MAX_READ, "entry")).encode() if entry else None
        )
        signed = SignedCheckpoint.parse(receipt.checkpoint)
        cp = signed.checkpoint
        signers = signed.signers(trust)
        doc: dict = {"kind": "receipt", "origin": cp.origin, "index": receipt.index, "tree_size": cp.tree_size}
        details = []
        if receipt.extra is not None:
            e = receipt.entry()
            digest = hashlib.sha256(e.payload).hexdigest()
            doc["entry"] = {"type": e.type, "size": len(e.payload), "sha256": digest}
            details.append(f"  type {e.type}, {len(e.payload)} bytes, payload sha-256 {digest}")
        details.append(f"  cosigned by {', '.join(signers)}")
        doc["signers"] = list(signers)
        return doc, f"entry {receipt.index} is included in {cp.origin} at tree size {cp.tree_size}", details
    if text.startswith("{"):
        kind = peek_json(parse_json(text.rstrip("\n")))
        if kind == LEDGER_FORK_EVIDENCE:
            evidence = ForkEvidence.parse(text)
            verify_fork_evidence(evidence, trust)
            doc = {"kind": "fork-evidence", "origin": evidence.origin, "height": evidence.height}
            return (
                doc,
                f"fork proven: two validly signed, different blocks at height {evidence.height} of {evidence.origin}",
                [],
            )
        if kind != LEDGER_CONSISTENCY_PROOF:
            raise MalformedInput(
                f"{file}: a {kind.name} is not a receipt, consistency proof, fork evidence or checkpoint"
            )
        proof = ConsistencyProof.parse(text)
        verify_consistency_proof(proof, trust, _read(old) if old else None)
        a, b = SignedCheckpoint.parse(proof.old).checkpoint, SignedCheckpoint.parse(proof.new).checkpoint
        doc = {"kind": "consistency-proof", "origin": b.origin, "old_size": a.tree_size, "new_size": b.tree_size}
        return doc, f"tree size {a.tree_size} is a prefix of tree size {b.tree_size} in {b.origin}", []
    signed = SignedCheckpoint.parse(text)
    verify_checkpoint(signed, trust)
    times = [cosignature_timestamp(s) for s in signed.note.signatures if len(s.signature) == 72]
    cp = signed.checkpoint
    signers = signed.signers(trust)
    doc = {"kind": "checkpoint", "origin": cp.origin, "tree_size": cp.tree_size, "signers": list(signers)}
    if times:
        doc["latest_cosignature"] = max(times)
    details = [f"  by {', '.join(signers)}" + (f"; latest cosignature {max(times)}" if times else "")]
    return doc, f"checkpoint of {cp.origin} at tree size {cp.tree_size} is validly cosigned", details


@ledger.command()
@ledger_argument("directory", required=False)
@store_option
@click.option("--checkpoint", "held", type=FilePath, help="a checkpoint held elsewhere")
@click.option(
    "--policy",
    type=FilePath,
    help="YOUR trust anchor: the ledger's trust policy (authorities.txt) obtained out of band",
)
@click.option("--json", "as_json", is_flag=True, help="a zkmed.ledger.verify-report JSON document on stdout")
def verify(directory: Path | None, store: str | None, held: Path | None, policy: Path | None, as_json: bool) -> None:
    """Re-check every block, entry, signature and checkpoint; name the first bad one.

    DIRECTORY, or --store URL for a PostgreSQL store read directly.  Without
    --policy the ledger is checked against the authorities it names itself
    (trust on first use) and the output says so.

    Example: zkmed ledger verify board --policy authorities.txt --json
    """
    policy_file, held_file = (str(p) if p is not None else None for p in (policy, held))
    try:
        target = _target(directory, store)
        anchor = _trust_policy(policy)
        report = audit_directory(target, _read(held) if held else None, policy=anchor)
    except ZkmedError as exc:
        if as_json:
            _echo_json(report_json(None, error=exc, policy_file=policy_file, checkpoint_file=held_file))
        raise
    if as_json:
        return _echo_json(report_json(report, policy_file=policy_file, checkpoint_file=held_file))
    not_asked = {"S9": held is None and "no --checkpoint", "T1": policy is None and "no --policy"}
    for step, what in VERIFY_STEPS:
        if reason := not_asked.get(step):
            render.console.print(f"  [dim]{step}  {what}: not asked ({reason})[/]", highlight=False)
        else:
            render.console.print(f"  [green]✓[/] {step}  {what}", highlight=False)
    render.ok(
        f"verified {report.blocks} blocks, {report.entries} entries, {report.checkpoints} checkpoints "
        f"in {report.seconds:.2f} s ({report.entries_per_second:,.0f} entries/s)"
    )
    if report.pending:
        render.console.print(
            f"  {report.pending} pending entries after block {report.blocks - 1} "
            f"(sequenced, not yet sealed or signed; `zkmed ledger seal` seals them)",
            highlight=False,
        )
    if report.warning:
        _warn(report.warning)
    else:
        render.ok(f"anchored to your trust policy {policy}: this is {report.origin}")


@ledger.command("entries")
@ledger_argument("directory")
@click.option("--type", "entry_type", help="only entries of this type")
@click.option("--from", "start", type=click.IntRange(0), default=0, show_default=True, help="first entry index")
@click.option("--json", "as_json", is_flag=True, required=True, help="a JSON list (the only output form)")
def entries_command(directory: Path, entry_type: str | None, start: int, as_json: bool) -> None:
    """Print entries as a JSON list of {"index", "type", "payload"} (payload parsed as JSON when it is JSON).

    Example: zkmed ledger entries board --type election.ballot --from 10 --json
    """
    out = []
    with Ledger.open(directory) as led:
        end = led.size + led.pending
        for lo in range(start, end, 4096):
            for data in led.store.entries(lo, min(end, lo + 4096)):
                entry = Entry.decode(data)
                if entry_type is not None and entry.type != entry_type:
                    continue
                try:
                    payload = parse_json(entry.payload)
                except MalformedInput:
                    payload = {"base64": b64_encode(entry.payload)}
                out.append({"index": entry.seq, "payload": payload, "type": entry.type})
    click.echo(canonical_json(out).decode("utf-8"))


@ledger.command("sync")
@ledger_argument("src")
@click.argument("dst", type=DirPath)
@click.option("--policy", type=FilePath, help="YOUR trust anchor for the ledger (authorities.txt)")
@click.option("--store", metavar="URL", help="a new replica DST keeps its entries in this empty PostgreSQL database")
def sync_command(src: Path, dst: Path, policy: Path | None, store: str | None) -> None:
    """Bring the replica DST up to date from SRC, verifying every block (creates DST if needed).

    Example: zkmed ledger sync board replica --policy authorities.txt
    """
    if store is not None:
        check_url(store)
    report = sync_directories(src, dst, policy=_trust_policy(policy), store=store)
    if report.destination_ahead:
        render.ok(
            f"{dst} is ahead of {src} (height {report.from_height} vs {report.source_height}); the common chain agrees"
        )
    elif report.blocks == 0:
        render.ok(f"{dst} is up to date at height {report.to_height}")
    else:
        render.ok(
            f"fetched and verified {report.blocks} blocks ({report.entries} entries): height {report.from_height} → {report.to_height}"
        )
    if report.checkpoints:
        render.ok(f"copied {report.checkpoints} checkpoints, each checked against the authorities and the tree")
    if not report.anchored:
        _warn("trust on first use: no --policy given, so the replica trusts the source's genesis and authorities")
