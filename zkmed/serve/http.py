"""HTTP plumbing shared by the API and the pages: problems (status + code), bounded bodies, strict parameters."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from zkmed.canonical_json import canonical_json
from zkmed.errors import LedgerError, MalformedInput, VerificationError, ZkmedError
from zkmed.formats import SERVE_ERROR

__all__ = ["Problem", "bounded_body", "json_response", "problem_for", "query_int"]


class Problem(Exception):
    """An HTTP error answer: status, a stable machine code and a one-line message."""

    def __init__(self, status: int, code: str, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.where = status, code, message, where

    def document(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message, "where": self.where}
        return {**SERVE_ERROR.json_header(), "status": self.status, "error": error}


def problem_for(exc: ZkmedError) -> Problem:
    """The HTTP answer to a library error: bad input 400, failed verification 422, ledger state 409."""
    if isinstance(exc, MalformedInput):
        return Problem(400, exc.code, exc.message, exc.where)
    if isinstance(exc, VerificationError):
        return Problem(422, exc.code, exc.message, exc.where)
    if isinstance(exc, LedgerError):
        return Problem(409, exc.code, exc.message, exc.where)
    return Problem(500, exc.code, exc.message, exc.where)


def json_response(doc: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Canonical JSON (sorted keys, no floats), ``application/json``."""
    return Response(canonical_json(doc), status, headers, media_type="application/json")


async def bounded_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 once it exceeds ``limit`` bytes (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise Problem(400, "malformed-input", "Content-Length is not a number")
        if int(declared) > limit:
            raise Problem(413, "too-large", f"request body larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Problem(413, "too-large", f"request body larger than {limit} bytes")
    return bytes(body)


def query_int(request: Request, name: str, default: int, least: int = 0, most: int = (1 << 63) - 1) -> int:
    """A decimal query parameter within ``least..most`` (400 otherwise)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or not least <= int(raw) <= most:
        raise Problem(400, "malformed-input", f"query parameter {name} must be an integer in {least}..{most}")
    return int(raw)
