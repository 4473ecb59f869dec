"""The JSON/text API under ``/api/v1``: read endpoints (keyless reader) and the two write endpoints.

Endpoints, status codes and documents: ``docs/serve.md`` §API.  The
functions named ``*_doc`` / ``*_text`` run in the reader's thread (their first
argument is the reader's ledger); the checks built by ``write_check`` and
``ballot_check`` run in the writer's, batched by :mod:`zkmed.serve.commit`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from zkmed.encoding import b64_encode
from zkmed.errors import LedgerError, MalformedInput, VerificationError
from zkmed.formats import SERVE_APPENDED, SERVE_ENTRIES, SERVE_HEAD
from zkmed.ledger.entries import Entry
from zkmed.ledger.ledger import Ledger
from zkmed.ledger.receipt import TlogProof
from zkmed.serve import elections
from zkmed.serve.auth import ReplayGuard, WriteRequest, verify_write_request
from zkmed.serve.backend import BallotIndex, Board, covering_checkpoint, latest_checkpoint_text, stored_checkpoints
from zkmed.serve.commit import GroupCommit, Job
from zkmed.serve.http import Problem, bounded_body, json_response, query_int
from zkmed.serve.public import entry_view, withheld

__all__ = ["MAX_RANGE", "routes"]

#: entries per range request
MAX_RANGE = 100


# -- reader-thread functions ------------------------------------------------------------------------------


def head_doc(led: Ledger) -> dict[str, Any]:
    state, rows = led.state, stored_checkpoints(led)
    return {
        **SERVE_HEAD.json_header(),
        "origin": led.origin,
        "height": state.height,
        "size": state.tree_size,
        "pending": led.pending,
        "root": b64_encode(state.head.root),
        "threshold": state.authorities.threshold,
        "authorities": [a.name for a in state.authorities.authorities],
        "latest_checkpoint": rows[-1][0] if rows else None,
    }


def fetch_entry(led: Ledger, seq: int) -> tuple[Entry, bool]:
    data = led.store.entry(seq)
    if data is None:
        raise Problem(404, "not-found", f"no entry {seq} (the ledger holds {led.size + led.pending})")
    return Entry.decode(data), seq < led.size


def entry_doc(led: Ledger, seq: int) -> dict[str, Any]:
    entry, sealed = fetch_entry(led, seq)
    return entry_view(entry, sealed)


def entries_doc(led: Ledger, start: int, limit: int, with_payload: bool = True) -> dict[str, Any]:
    size = led.size
    end = min(size + led.pending, start + limit)
    rows = led.store.entries(start, end) if start < end else []
    items = [entry_view(Entry.decode(d), start + i < size, with_payload=with_payload) for i, d in enumerate(rows)]
    return {**SERVE_ENTRIES.json_header(), "start": start, "total": size + led.pending, "entries": items}


def export_bytes(led: Ledger, seq: int) -> bytes:
    entry, _ = fetch_entry(led, seq)
    if withheld(entry.type):
        raise Problem(403, "withheld", f"entry {seq} is of a medical type ({entry.type}): not public")
    return entry.export()


def receipt_text(led: Ledger, seq: int) -> str:
    """The tlog-proof receipt of entry ``seq`` (no ``extra`` line for a withheld type)."""
    entry, sealed = fetch_entry(led, seq)
    if not sealed:
        raise Problem(409, "pending", f"entry {seq} is not sealed yet: retry in a moment")
    signed = covering_checkpoint(led, seq)
    if signed is None:
        raise Problem(409, "pending", f"no checkpoint covers entry {seq} yet: retry in a moment")
    proof = led.prove_inclusion(seq, checkpoint=signed)
    if withheld(entry.type):
        proof = TlogProof(proof.index, proof.hashes, proof.checkpoint, None)
    return proof.format()


def consistency_text(led: Ledger, size1: int, size2: int | None) -> str:
    try:
        return led.prove_consistency(size1, size2).format()
    except LedgerError as exc:
        raise Problem(404, "not-found", exc.message) from exc


def checkpoint_text(led: Ledger) -> str:
    text = latest_checkpoint_text(led)
    if text is None:
        raise Problem(404, "not-found", "no checkpoint has been issued yet")
    return text


def ballot_doc(led: Ledger, board: Board, code: str) -> dict[str, Any]:
    """Status of the ballot with confirmation ``code``: recorded (sealed, in a checkpoint) or sequenced."""
    if board.ballot_index is None:
        board.ballot_index = BallotIndex(
            elections.ballot_entry_type(), elections.confirmation_code_function(), elections.code_normalizer()
        )
    seq = board.ballot_index.lookup(led, code)
    if seq is None:
        raise Problem(404, "not-found", "no ballot with this confirmation code")
    signed = covering_checkpoint(led, seq) if seq < led.size else None
    return {
        "code": code,
        "seq": seq,
        "status": "recorded" if signed is not None else "sequenced",
        "checkpoint": None if signed is None else signed.checkpoint.tree_size,
        "checkpoint_text": None if signed is None else signed.text(),
        "receipt": f"/api/v1/receipts/{seq}" if signed is not None else None,
    }


# -- writer-thread functions ------------------------------------------------------------------------------


def write_check(request: WriteRequest, guard: ReplayGuard) -> Callable[[Ledger], list[tuple[str, bytes]]]:
    """The writer-side check of a signed write request: authority signature, then freshness and nonce."""

    def check(led: Ledger) -> list[tuple[str, bytes]]:
        try:
            verify_write_request(request, led.origin, led.state.authorities)
            guard.check(request.timestamp_ms, request.nonce)
        except VerificationError as exc:
            raise Problem(401, "unauthorized", exc.message) from exc
        return list(request.entries)

    return check


def ballot_check(payload: bytes, entry_type: str, board: Board) -> Callable[[Ledger], list[tuple[str, bytes]]]:
    """The writer-side check of a ballot: ``check_ballot_submission`` (raises naming the failing step) with the
    writer's submission index (created on the first ballot; only the writer thread touches it)."""

    def check(led: Ledger) -> list[tuple[str, bytes]]:
        if board.submissions is None:
            board.submissions = elections.submission_index() or False
        elections.check_ballot(led, payload, board.submissions or None)
        return [(entry_type, payload)]

    return check


# -- endpoints --------------------------------------------------------------------------------------------


def _board(request: Request) -> Board:
    return request.app.state.board  # type: ignore[no-any-return]


def path_seq(request: Request) -> int:
    raw = request.path_params["seq"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        raise Problem(400, "malformed-input", "an entry sequence number is a decimal integer")
    return int(raw)


async def get_head(request: Request) -> Response:
    return json_response(await _board(request).reader.call(head_doc))


async def get_checkpoint(request: Request) -> Response:
    return PlainTextResponse(await _board(request).reader.call(checkpoint_text))


async def get_policy(request: Request) -> Response:
    text = await _board(request).reader.call(lambda led: led.policy().format())
    return PlainTextResponse(text)


async def get_entries(request: Request) -> Response:
    start = query_int(request, "start", 0)
    limit = query_int(request, "limit", MAX_RANGE, 1, MAX_RANGE)
    return json_response(await _board(request).reader.call(entries_doc, start, limit))


async def get_entry(request: Request) -> Response:
    return json_response(await _board(request).reader.call(entry_doc, path_seq(request)))


async def get_export(request: Request) -> Response:
    seq = path_seq(request)
    data = await _board(request).reader.call(export_bytes, seq)
    disposition = f'attachment; filename="entry-{seq}.bin"'
    return Response(data, media_type="application/octet-stream", headers={"Content-Disposition": disposition})


async def get_receipt(request: Request) -> Response:
    seq = path_seq(request)
    text = await _board(request).reader.call(receipt_text, seq)
    disposition = f'attachment; filename="entry-{seq}.tlog-proof"'
    return PlainTextResponse(text, headers={"Content-Disposition": disposition})


async def get_consistency(request: Request) -> Response:
    size1 = query_int(request, "from", 0, 1)
    if "from" not in request.query_params:
        raise Problem(400, "malformed-input", "give ?from=SIZE1 (and optionally &to=SIZE2)")
    size2 = query_int(request, "to", 0, 1) if "to" in request.query_params else None
    text = await _board(request).reader.call(consistency_text, size1, size2)
    return Response(text, media_type="application/json")


async def get_ballot(request: Request) -> Response:
    board = _board(request)
    code = check_code(request.path_params["code"])
    return json_response(await board.reader.call(ballot_doc, board, code))


async def get_ballot_receipt(request: Request) -> Response:
    """The tlog-proof receipt of the ballot with this confirmation code (409 until it is sealed and cosigned)."""
    board = _board(request)
    code = check_code(request.path_params["code"])
    seq = (await board.reader.call(ballot_doc, board, code))["seq"]
    text = await board.reader.call(receipt_text, seq)
    disposition = f'attachment; filename="ballot-{seq}.tlog-proof"'
    return PlainTextResponse(text, headers={"Content-Disposition": disposition})


def check_code(code: str) -> str:
    """A confirmation code as typed (surrounding whitespace dropped): 1..200 printable ASCII characters."""
    code = code.strip()
    if not 1 <= len(code) <= 200 or not code.isascii() or not code.isprintable():
        raise Problem(400, "malformed-input", "a confirmation code is 1..200 printable ASCII characters")
    return code


async def get_result(request: Request) -> Response:
    return json_response(await _board(request).reader.call(elections.result))


def _writer(board: Board) -> GroupCommit:
    if board.commits is None:
        raise Problem(403, "read-only", "this board is read-only (started without --write)")
    return board.commits


async def post_entries(request: Request) -> Response:
    board = _board(request)
    writer = _writer(board)
    body = await bounded_body(request, board.config.max_write_bytes)
    try:
        write = WriteRequest.parse(body)
    except MalformedInput as exc:
        raise Problem(400, exc.code, f"write request: {exc.message}") from exc
    first, count = await writer.submit(Job(write_check(write, board.guard)))
    return json_response({**SERVE_APPENDED.json_header(), "first_seq": first, "count": count}, 201)


async def post_ballot(request: Request) -> Response:
    board = _board(request)
    writer = _writer(board)
    entry_type = elections.ballot_intake()  # 501 before reading the body when elections are missing
    body = await bounded_body(request, board.config.max_ballot_bytes)
    key_of = elections.ballot_key_function()
    key = key_of(body) if key_of is not None else None
    first, _ = await writer.submit(Job(ballot_check(body, entry_type, board), key=key, exclusive=key is None))
    doc = {**SERVE_APPENDED.json_header(), "first_seq": first, "count": 1}
    return json_response({**doc, "confirmation_code": elections.confirmation_code(body)}, 201)


def routes() -> list[Route]:
    return [
        Route("/api/v1/head", get_head),
        Route("/api/v1/checkpoint", get_checkpoint),
        Route("/api/v1/policy", get_policy),
        Route("/api/v1/entries", get_entries, methods=["GET"]),
        Route("/api/v1/entries", post_entries, methods=["POST"]),
        Route("/api/v1/entries/{seq}", get_entry),
        Route("/api/v1/entries/{seq}/export", get_export),
        Route("/api/v1/receipts/{seq}", get_receipt),
        Route("/api/v1/consistency", get_consistency),
        Route("/api/v1/ballots", post_ballot, methods=["POST"]),
        Route("/api/v1/ballots/{code}", get_ballot),
        Route("/api/v1/ballots/{code}/receipt", get_ballot_receipt),
        Route("/api/v1/result", get_result),
    ]
