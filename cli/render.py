"""Rich rendering helpers shared by the CLI commands."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from zkmed.errors import ZkmedError

console = Console()
err_console = Console(stderr=True)


def error(exc: ZkmedError) -> None:
    err_console.print(f"[bold red]error[/] [dim]({exc.code})[/]: {exc.diagnostic()}", highlight=False)


def ok(message: str) -> None:
    console.print(f"[bold green]✓[/] {message}", highlight=False)


def bad(message: str) -> None:
    console.print(f"[bold red]✗[/] {message}", highlight=False)


def table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c)
    for r in rows:
        t.add_row(*[str(v) for v in r])
    console.print(t)
    return t
