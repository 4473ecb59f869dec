"""Rich rendering helpers shared by the CLI commands.

Text that comes from a user, a file or an error message is never read as rich
markup or emoji codes: ``[bold]`` in an entry type prints as ``[bold]``.
Error lines go through :func:`error_line` / :func:`error`: exactly one line on
stderr, whatever the length of the message and whether stderr is a terminal.
"""

from __future__ import annotations

import re
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

console = Console()
err_console = Console(stderr=True)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` made printable on one line: control characters (newlines included)
    become escapes, and lone surrogates (undecodable bytes) become ``\\udcXX``."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def error_line(code: str, message: str) -> str:
    """``error (code): message`` as one plain line, without the trailing newline."""
    return f"error ({one_line(code)}): {one_line(message)}"


def error(code: str, message: str) -> None:
    """Print :func:`error_line` to stderr (``error`` in red on a terminal; never wrapped)."""
    line = error_line(code, message)
    head, _, rest = line.partition(" ")
    click.echo(click.style(head, fg="red", bold=True) + " " + rest, err=True)


def _plain(value: Any) -> Text:
    return Text(one_line(str(value)))


def ok(message: str) -> None:
    console.print(Text.assemble(("✓", "bold green"), " ", _plain(message)), highlight=False, soft_wrap=True)


def bad(message: str) -> None:
    console.print(Text.assemble(("✗", "bold red"), " ", _plain(message)), highlight=False, soft_wrap=True)


def table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    t = Table(title=_plain(title), title_justify="left")
    for c in columns:
        t.add_column(_plain(c))
    for r in rows:
        t.add_row(*[_plain(v) for v in r])
    console.print(t)
    return t
