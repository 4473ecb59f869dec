"""Entry point of the ``zkmed`` command.

This is the single place where a failure becomes one line on stderr and an
exit code (table in ``docs/errors.md``); command modules raise library errors
and never print tracebacks:

* a :class:`~zkmed.errors.ZkmedError` → ``error (code): …`` and the class's ``exit_code``;
* a bad command line (click's usage errors) → ``error (usage): …``, exit 64 (``EX_USAGE``);
* an interrupt → ``error (interrupted): …``, exit 130;
* anything else is a bug → ``error (internal): …``, exit 70 (``EX_SOFTWARE``);
  ``zkmed --debug …`` prints its traceback first.

Command-line arguments must be valid UTF-8 (the OS hands undecodable bytes to
Python as lone surrogates, which no command could print or hash).
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

import zkmed
from zkmed.cli import render
from zkmed.encoding import utf8_encode
from zkmed.errors import MalformedInput, ZkmedError

EXIT_USAGE = 64
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

#: every exit code the command can end with (``docs/errors.md``): 0 success,
#: 1-7 the ZkmedError classes, 64 usage, 70 internal error, 130 interrupted
EXIT_CODES: frozenset[int] = frozenset({0, 1, 2, 3, 4, 5, 6, 7, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED})

T = TypeVar("T")


def _fail(code: str, message: str, exit_code: int) -> NoReturn:
    render.error(code, message)
    raise click.exceptions.Exit(exit_code)


def _usage(exc: click.ClickException) -> NoReturn:
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.exceptions.NoArgsIsHelpError) and ctx is not None:
        click.echo(ctx.get_help())
        _fail("usage", f"{ctx.command_path}: missing command (the commands are listed above)", EXIT_USAGE)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    _fail("usage", exc.format_message() + hint, EXIT_USAGE)


def _guarded(run: Callable[[], T], debug: bool) -> T:
    """Run ``run`` and turn every failure into one line and a documented exit code."""
    try:
        return run()
    except click.exceptions.Exit:
        raise
    except ZkmedError as exc:
        _fail(exc.code, exc.diagnostic(), exc.exit_code)
    except click.ClickException as exc:
        _usage(exc)
    except (click.exceptions.Abort, KeyboardInterrupt):
        _fail("interrupted", "aborted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        raise  # the reader went away (`zkmed … | head`): click exits 1 quietly
    except Exception as exc:
        if debug:
            traceback.print_exc()
        hint = "" if debug else "; rerun with --debug for the traceback"
        _fail("internal", f"{type(exc).__name__}: {exc} (this is a bug in zkmed{hint})", EXIT_INTERNAL)


#: the top-level commands: name -> (module, attribute), imported when a command line names them, so that a command
#: does not pay for importing every other one (``zkmed --help`` imports them all).  ``election`` and ``trustee`` come
#: from the ceremony module, which attaches the per-round ceremony commands to them.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "info": ("zkmed.cli.info", "info"),
    "demo": ("zkmed.cli.demo", "demo"),
    "sigma": ("zkmed.cli.sigma", "sigma"),
    "ledger": ("zkmed.cli.ledger", "ledger"),
    "verify": ("zkmed.cli.verify", "verify"),
    "circuits": ("zkmed.cli.circuits", "circuits"),
    "election": ("zkmed.cli.ceremony", "election"),
    "vote": ("zkmed.cli.election", "vote"),
    "tally": ("zkmed.cli.election", "tally"),
    "trustee": ("zkmed.cli.ceremony", "trustee"),
    "electionguard": ("zkmed.cli.electionguard", "electionguard"),
    "record": ("zkmed.cli.records", "record"),
    "consent": ("zkmed.cli.consent", "consent"),
    "serve": ("zkmed.cli.serve", "serve"),
}


class ZkmedGroup(click.Group):
    """The root group: arguments checked for UTF-8, every failure rendered the same way; the subcommands named in
    ``lazy_commands`` are imported on first use."""

    #: name -> (module, attribute) of the subcommands imported when first asked for
    lazy_commands: dict[str, tuple[str, str]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = self.lazy_commands.get(cmd_name)
        if where is None:
            return super().get_command(ctx, cmd_name)
        command = getattr(importlib.import_module(where[0]), where[1])
        if not isinstance(command, click.Command) or command.name != cmd_name:
            raise TypeError(f"{where[0]}.{where[1]} is not the command {cmd_name!r}")
        return command

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        def make() -> click.Context:
            for position, arg in enumerate(args, start=1):
                try:
                    utf8_encode(arg)
                except MalformedInput:
                    raise MalformedInput(f"command-line argument {position} is not valid UTF-8") from None
            return super(ZkmedGroup, self).make_context(info_name, args, parent, **extra)

        return _guarded(make, debug=False)

    def invoke(self, ctx: click.Context) -> Any:
        return _guarded(lambda: super(ZkmedGroup, self).invoke(ctx), debug=bool(ctx.params.get("debug")))


class _Root(ZkmedGroup):
    lazy_commands = LAZY_COMMANDS


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(zkmed.__version__, prog_name="zkmed")
@click.option("--debug", is_flag=True, help="on an internal error, print the traceback")
def main(debug: bool) -> None:
    """zkmed — zero-knowledge proofs for medical records and verifiable elections.

    Every BOARD / DIRECTORY ledger argument defaults to $ZKMED_LEDGER;
    commands that print data take --json; shell completion:
    eval "$(_ZKMED_COMPLETE=bash_source zkmed)" (zsh_source, fish_source).

    Example: zkmed ledger init board && ZKMED_LEDGER=board zkmed verify
    """


if __name__ == "__main__":  # pragma: no cover
    main()
