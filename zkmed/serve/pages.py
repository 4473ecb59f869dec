"""The public bulletin board: server-rendered Jinja2 pages (autoescape on, no JavaScript).

Pages: the head and its cosigned checkpoint (``/``), the paginated entry list
(``/entries``, ``?type=`` prefix filter; ``/elections`` lists the election
entries), one entry (``/entries/{seq}``), ballot lookup by confirmation code
(``/ballot?code=``), the result with an SVG chart (``/result``) and the
offline verification commands (``/verify``).  Payloads of medical entry types
are never rendered (:mod:`zkmed.serve.public`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from zkmed.errors import VerificationError, ZkmedError
from zkmed.ledger.checkpoint import SignedCheckpoint, cosignature_timestamp
from zkmed.ledger.entries import Entry
from zkmed.ledger.ledger import Ledger
from zkmed.serve import api, elections
from zkmed.serve.backend import Board, latest_checkpoint_text
from zkmed.serve.http import Problem, query_int
from zkmed.serve.public import payload_preview, withheld
from zkmed.serve.svg import bar_chart

__all__ = ["TEMPLATES", "error_page", "render", "routes"]

TEMPLATES = Path(__file__).parent / "templates"
_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _utc(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


_ENV.filters["utc"] = _utc


def render(name: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(_ENV.get_template(name).render(**context), http_status)


def _board(request: Request) -> Board:
    return request.app.state.board  # type: ignore[no-any-return]


# -- reader-thread functions ------------------------------------------------------------------------------


def index_context(led: Ledger) -> dict[str, Any]:
    head = api.head_doc(led)
    text = latest_checkpoint_text(led)
    cosigners: list[dict[str, Any]] = []
    checkpoint = None
    if text is not None:
        signed = SignedCheckpoint.parse(text)
        checkpoint = signed.checkpoint
        policy = led.policy()
        try:
            valid = set(signed.signers(policy))
        except VerificationError:
            valid = set()
        for sig in signed.note.signatures:
            ts = cosignature_timestamp(sig) if len(sig.signature) == 72 else None
            cosigners.append({"name": sig.name, "time": ts, "valid": sig.name in valid})
    return {"head": head, "checkpoint_text": text, "checkpoint": checkpoint, "cosigners": cosigners}


def list_context(led: Ledger, page: int, per_page: int, prefix: str) -> dict[str, Any]:
    """Page ``page`` (1-based) of the entries, newest first, whose type starts with ``prefix``."""
    total = led.size + led.pending
    if not prefix:
        pages = max(1, -(-total // per_page))
        hi = max(0, total - (page - 1) * per_page)
        lo = max(0, hi - per_page)
        rows = [Entry.decode(d) for d in led.store.entries(lo, hi)] if lo < hi else []
        rows.reverse()
    else:  # a filtered list scans the ledger (the elections page); fine at board sizes
        matching = []
        for start in range(0, total, 1000):
            for d in led.store.entries(start, min(total, start + 1000)):
                e = Entry.decode(d)
                if e.type.startswith(prefix):
                    matching.append(e)
        matching.reverse()
        pages = max(1, -(-len(matching) // per_page))
        rows = matching[(page - 1) * per_page : page * per_page]
    items = [
        {"seq": e.seq, "type": e.type, "size": len(e.payload), "withheld": withheld(e.type), "sealed": e.seq < led.size}
        for e in rows
    ]
    return {"items": items, "page": page, "pages": pages, "total": total, "prefix": prefix}


def entry_context(led: Ledger, seq: int) -> dict[str, Any]:
    entry, sealed = api.fetch_entry(led, seq)
    return {"entry": entry, "sealed": sealed, "withheld": withheld(entry.type), "preview": payload_preview(entry)}


# -- pages ------------------------------------------------------------------------------------------------


async def index(request: Request) -> Response:
    ctx = await _board(request).reader.call(index_context)
    return render("index.html", **ctx, writable=_board(request).writer is not None)


def _prefix(request: Request) -> str:
    prefix = request.query_params.get("type", "")
    if len(prefix) > 64 or not all(c.isalnum() and c.isascii() or c in "._/-" for c in prefix):
        raise Problem(400, "malformed-input", "type filter: up to 64 characters of [a-z0-9._/-]")
    return prefix


async def entries(request: Request) -> Response:
    page = query_int(request, "page", 1, 1, 1 << 40)
    prefix = _prefix(request)
    board = _board(request)
    ctx = await board.reader.call(list_context, page, board.config.page_size, prefix)
    if page > ctx["pages"]:
        raise Problem(404, "not-found", f"there is no page {page} (the list has {ctx['pages']})")
    return render("entries.html", **ctx, title="Entries")


async def election_entries(request: Request) -> Response:
    try:
        prefix = elections.election_prefix()
    except elections.ElectionsUnavailable:
        prefix = elections.DEFAULT_PREFIX
    return RedirectResponse(f"/entries?type={prefix}", 303)


async def entry(request: Request) -> Response:
    ctx = await _board(request).reader.call(entry_context, api.path_seq(request))
    return render("entry.html", **ctx)


async def ballot(request: Request) -> Response:
    code = request.query_params.get("code")
    if code is None or not code.strip():
        return render("ballot.html", code="", found=None)
    board = _board(request)
    try:
        found = await board.reader.call(api.ballot_doc, board, api.check_code(code))
    except Problem as exc:
        if exc.status not in (400, 404):
            raise
        return render("ballot.html", 404 if exc.status == 404 else 400, code=code, found=None, missing=exc.message)
    return render("ballot.html", code=code, found=found)


async def result(request: Request) -> Response:
    try:
        doc = await _board(request).reader.call(elections.result)
    except ZkmedError as exc:  # no tally or result yet, no election on this ledger
        return render("result.html", charts=[], result=None, missing=exc.message)
    charts = [Markup(bar_chart(title, rows)) for title, rows in elections.contests(doc)]  # noqa: S704 - escaped by bar_chart
    return render("result.html", charts=charts, result=doc)


async def verify(request: Request) -> Response:
    head = await _board(request).reader.call(api.head_doc)
    return render("verify.html", head=head, base=str(request.base_url).rstrip("/"))


def routes() -> list[Route]:
    return [
        Route("/", index),
        Route("/entries", entries),
        Route("/elections", election_entries),
        Route("/entries/{seq}", entry),
        Route("/ballot", ballot),
        Route("/result", result),
        Route("/verify", verify),
    ]


def error_page(status: int, message: str) -> HTMLResponse:
    return render("error.html", status, status=status, message=message)
