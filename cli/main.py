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

import traceback
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

import zkmed
from zkmed.cli import ceremony as _ceremony_cli  # noqa: F401  (registers the per-round ceremony commands)
from zkmed.cli import circuits as circuits_cli
from zkmed.cli import consent as consent_cli
from zkmed.cli import election as election_cli
from zkmed.cli import electionguard as electionguard_cli
from zkmed.cli import records as records_cli
from zkmed.cli import render
from zkmed.cli import serve as serve_cli
from zkmed.cli.demo import demo
from zkmed.cli.info import info
from zkmed.cli.ledger import ledger
from zkmed.cli.sigma import sigma
from zkmed.cli.verify import verify
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


class ZkmedGroup(click.Group):
    """The root group: arguments checked for UTF-8, every failure rendered the same way."""

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


@click.group(cls=ZkmedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(zkmed.__version__, prog_name="zkmed")
@click.option("--debug", is_flag=True, help="on an internal error, print the traceback")
def main(debug: bool) -> None:
    """zkmed — zero-knowledge proofs for medical records and verifiable elections.

    Every BOARD / DIRECTORY ledger argument defaults to $ZKMED_LEDGER;
    commands that print data take --json; shell completion:
    eval "$(_ZKMED_COMPLETE=bash_source zkmed)" (zsh_source, fish_source).

    Example: zkmed ledger init board && ZKMED_LEDGER=board zkmed verify
    """


main.add_command(info)
main.add_command(demo)
main.add_command(sigma)
main.add_command(ledger)
main.add_command(verify)
main.add_command(circuits_cli.circuits)
for _command in election_cli.COMMANDS:
    main.add_command(_command)
for _command in electionguard_cli.COMMANDS:
    main.add_command(_command)
for _command in records_cli.COMMANDS:
    main.add_command(_command)
for _command in consent_cli.COMMANDS:
    main.add_command(_command)
for _command in serve_cli.COMMANDS:
    main.add_command(_command)

if __name__ == "__main__":  # pragma: no cover
    main()
