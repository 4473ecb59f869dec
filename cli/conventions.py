"""Conventions every ``zkmed`` command follows (README "Command line"): ledger argument, ``--json`` output.

* :func:`ledger_argument`: the BOARD / DIRECTORY argument defaults to
  ``$ZKMED_LEDGER``.  When the variable is set and the command line lacks one
  of the command's required positional arguments, the positionals given are
  the ones *after* the ledger (``ZKMED_LEDGER=board zkmed consent revoke
  GRANT_ID``); with every required positional given, the first one is the
  ledger, as always.
* :func:`echo_json`: canonical JSON on stdout (one line).
* :func:`result_json`: a ``zkmed.cli.result`` document for commands whose
  data has no report format of its own.

Files are written through :mod:`zkmed.files` (atomic, 0600 for secrets).
"""

from __future__ import annotations

import os
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any, TypeVar

import click
import click.core

from zkmed.canonical_json import canonical_json
from zkmed.formats import CLI_RESULT

LEDGER_ENV = "ZKMED_LEDGER"
_UNSET = getattr(click.core, "UNSET", None)

F = TypeVar("F", bound=Callable[..., Any])


def _missing(value: object) -> bool:
    return value is None or value is _UNSET or value == ()


class LedgerArgument(click.Argument):
    """A ledger path argument that defaults to ``$ZKMED_LEDGER``, also when positionals follow it."""

    def handle_parse_result(self, ctx: click.Context, opts: Any, args: list[str]) -> tuple[Any, list[str]]:
        env = os.environ.get(LEDGER_ENV)
        if env and isinstance(opts, MutableMapping):
            positionals = [p for p in ctx.command.params if isinstance(p, click.Argument)]
            rest = positionals[positionals.index(self) + 1 :]
            given = not _missing(opts.get(self.name))
            if (
                given
                and all(p.nargs == 1 for p in rest)
                and any(p.required and _missing(opts.get(p.name)) for p in rest)
            ):
                names = [self.name, *(p.name for p in rest)]
                values = [env, *(opts.get(n) for n in names[:-1])]
                for name, value in zip(names, values, strict=True):
                    opts[name] = value
        return super().handle_parse_result(ctx, opts, args)


def ledger_argument(name: str = "board", *, required: bool = True, **kwargs: Any) -> Callable[[F], F]:
    """``@click.argument(name)`` for a ledger directory, defaulting to ``$ZKMED_LEDGER``."""
    return click.argument(
        name, cls=LedgerArgument, envvar=LEDGER_ENV, required=required, type=click.Path(path_type=Path), **kwargs
    )


def from_environment(ctx: click.Context, name: str) -> bool:
    """Whether parameter ``name`` took its value from the environment (``$ZKMED_LEDGER``)."""
    return ctx.get_parameter_source(name) == click.core.ParameterSource.ENVIRONMENT


def echo_json(doc: object) -> None:
    """``doc`` as canonical JSON on one line of stdout."""
    click.echo(canonical_json(doc).decode("utf-8"))


def result_json(command: str, result: dict[str, Any], *, ok: bool = True) -> dict[str, Any]:
    """A ``zkmed.cli.result`` document: ``{"type", "version", "command", "ok", "result"}``."""
    return {**CLI_RESULT.json_header(), "command": command, "ok": ok, "result": result}
