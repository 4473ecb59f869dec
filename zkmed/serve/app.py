"""The ASGI app of ``zkmed serve``: the API (:mod:`zkmed.serve.api`) and the pages (:mod:`zkmed.serve.pages`).

:func:`create_app` opens the ledger at once (a bad directory fails before
anything listens) and closes it at shutdown.  Errors: a JSON
``zkmed.serve.error`` document under ``/api/``, an HTML page elsewhere.  Every
response carries a strict Content-Security-Policy (no script may run).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zkmed.errors import ZkmedError
from zkmed.serve import api, pages
from zkmed.serve.backend import Board, ServeConfig, seal_and_checkpoint
from zkmed.serve.elections import ElectionsUnavailable
from zkmed.serve.http import Problem, json_response, problem_for

__all__ = ["SECURITY_HEADERS", "create_app"]

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def _answer(request: Request, problem: Problem) -> Response:
    if request.url.path.startswith("/api/"):
        return json_response(problem.document(), problem.status)
    return pages.error_page(problem.status, problem.message)


async def _on_problem(request: Request, exc: Exception) -> Response:
    if isinstance(exc, Problem):
        return _answer(request, exc)
    if isinstance(exc, ElectionsUnavailable):
        return _answer(request, Problem(501, "not-implemented", str(exc)))
    if isinstance(exc, ZkmedError):
        return _answer(request, problem_for(exc))
    if isinstance(exc, HTTPException):
        messages = {404: "no such page", 405: "method not allowed"}
        message = messages.get(exc.status_code, str(exc.detail))
        return _answer(request, Problem(exc.status_code, "http", message))
    return _answer(request, Problem(500, "internal", "internal error"))  # pragma: no cover


async def _housekeeping(board: Board) -> None:
    """The writer seals pending entries and cosigns a checkpoint every ``seal_interval_s``."""
    writer = board.writer
    if writer is None:
        return
    while True:
        await asyncio.sleep(board.config.seal_interval_s)
        with contextlib.suppress(ZkmedError):  # a transient store error: try again next round
            await writer.call(seal_and_checkpoint)


def create_app(config: ServeConfig) -> Starlette:
    """The board app over ``config.source`` (opened now; closed when the app shuts down)."""
    board = Board(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_housekeeping(board))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            board.close()

    handlers = {
        Problem: _on_problem,
        ZkmedError: _on_problem,
        ElectionsUnavailable: _on_problem,
        HTTPException: _on_problem,
    }
    app = Starlette(
        routes=[*api.routes(), *pages.routes()],
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers=handlers,  # type: ignore[arg-type]
        lifespan=lifespan,
    )
    app.state.board = board
    return app
