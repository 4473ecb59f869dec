"""``zkmed serve``: the served ledger (write and read API) and the public bulletin board, on uvicorn.

Thin: parse the options, build :func:`zkmed.serve.create_app`, listen.  The
ledger is opened (and a bad directory refused, one line, exit 7) before
anything listens; the socket is bound before the server starts, so a busy
port is one line too.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import click

from zkmed.cli import render
from zkmed.cli.conventions import from_environment, ledger_argument
from zkmed.errors import MalformedInput, ZkmedError


def _host(host: str) -> str:
    if host == "localhost":
        return "127.0.0.1"
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        raise MalformedInput("--host must be an IP address (127.0.0.1, ::1, 0.0.0.0) or localhost") from None


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle + delayed-ACK stalls
        sock.bind((host, port))
        sock.listen(1024)
    except OSError as exc:
        sock.close()
        raise ZkmedError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


@click.command()
@ledger_argument("board", required=False)
@click.option("--store", "store_url", help="a store URL (postgresql://…) instead of a ledger directory")
@click.option(
    "--keys", "keys_dir", type=click.Path(path_type=Path), help="with --store and --write: the authority key files"
)
@click.option("--host", default="127.0.0.1", show_default=True, help="the IP address to listen on")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--write",
    is_flag=True,
    help="accept authority-signed appends and verified ballots (loads this node's authority keys into the writer)",
)
@click.pass_context
def serve(
    ctx: click.Context,
    board: Path | None,
    store_url: str | None,
    keys_dir: Path | None,
    host: str,
    port: int,
    write: bool,
) -> None:
    """Serve the ledger BOARD (a directory) or --store URL: read API, public pages, and with --write the write API.

    BOARD defaults to $ZKMED_LEDGER (ignored when --store is given).
    Example: zkmed serve board --port 8000        (then open http://127.0.0.1:8000/)
    """
    if store_url is not None and from_environment(ctx, "board"):
        board = None  # --store names the ledger; $ZKMED_LEDGER is only a default
    import uvicorn  # here: importing the CLI must not pull in the server

    from zkmed.serve import ServeConfig, Source, create_app

    address = _host(host)
    app = create_app(ServeConfig(Source(board, store_url, keys_dir), write=write))
    try:
        sock = _listen(address, port)
    except BaseException:
        app.state.board.close()
        raise
    mode = "read API, pages and the authority-signed write API" if write else "read-only board"
    render.ok(f"serving {board or 'the store'} on http://{address}:{sock.getsockname()[1]}/ ({mode}); Ctrl-C stops")
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled: the shutdown (and sealing) is done
        pass
    render.ok("stopped")
