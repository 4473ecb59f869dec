"""A private, throw-away PostgreSQL server for the tests and the PostgreSQL benchmark (never a system one).

``initdb`` and ``pg_ctl`` refuse to run as root, so as root they run as the
``postgres`` user (``runuser -u postgres --``) in a temporary directory owned by
it; as any other user, as that user.  The server listens on 127.0.0.1 on a free
port and on a Unix socket in the same directory; :meth:`PrivateServer.stop`
stops it and removes the directory.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PG_BIN", "PrivateServer", "missing_binaries"]


def _bin_dir() -> Path:
    """``$ZKMED_PG_BIN``, else PostgreSQL 15's Debian directory, else the newest installed version's."""
    if "ZKMED_PG_BIN" in os.environ:
        return Path(os.environ["ZKMED_PG_BIN"])
    default = Path("/usr/lib/postgresql/15/bin")
    if default.is_dir():
        return default
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else default


PG_BIN = _bin_dir()


def missing_binaries() -> str | None:
    """Why no private server can start here (``None``: it can)."""
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / tool).is_file():
            return f"PostgreSQL binaries not found ({PG_BIN / tool}); `make postgres` installs postgresql"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run the server as"
        if shutil.which("runuser") is None:
            return "running as root and `runuser` is missing"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateServer:
    """``initdb`` + ``pg_ctl start`` in a fresh temporary directory; :attr:`url` of its ``postgres`` database."""

    def __init__(self, *, fsync: bool = True, settings: dict[str, str] | None = None, memory: bool = False) -> None:
        """``memory=True``: the data directory on ``/dev/shm`` where there is one (fast ``CREATE DATABASE``)."""
        why = missing_binaries()
        if why is not None:
            raise RuntimeError(why)
        shm = Path("/dev/shm")
        base = shm if memory and shm.is_dir() and os.access(shm, os.W_OK) else None
        self.root = Path(tempfile.mkdtemp(prefix="zkmed-pg-", dir=base))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        os.chmod(self.root, 0o700)
        options = {"listen_addresses": "127.0.0.1", "fsync": "on" if fsync else "off", **(settings or {})}
        if not fsync:
            options.setdefault("full_page_writes", "off")
        flags = " ".join(f"-c {k}={v}" for k, v in options.items())
        self._options = f"-p {self.port} -k {self.root} {flags}"
        try:
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
            self._run(
                "pg_ctl",
                "-D",
                str(self.data),
                "-l",
                str(self.root / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                self._options,
                "start",
            )
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def _run(self, tool: str, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        done = subprocess.run(
            [*prefix, str(PG_BIN / tool), *args], capture_output=True, text=True, cwd=self.root, check=False
        )
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip()[-2000:]}\n{tail}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def kill(self) -> None:
        """SIGKILL the postmaster (a server crash); :meth:`restart` brings it back with crash recovery."""
        pid = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        os.kill(pid, 9)

    def restart(self) -> None:
        """Start the server again after :meth:`kill` (stale children exit once the postmaster is gone)."""
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-t", "60", "-o", self._options, "start")

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
