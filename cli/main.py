"""Entry point of the ``zkmed`` command.

This is the single place where a :class:`~zkmed.errors.ZkmedError` becomes a
clean one-line message and an exit code (the class's ``exit_code``); every
command module raises library errors and never prints tracebacks.
"""

from __future__ import annotations

import sys

import click

import zkmed
from zkmed.cli import render
from zkmed.errors import ZkmedError


class ZkmedGroup(click.Group):
    """A click group that renders every ZkmedError the same way."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ZkmedError as exc:
            render.error(exc)
            sys.exit(exc.exit_code)


@click.group(cls=ZkmedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(zkmed.__version__, prog_name="zkmed")
def main() -> None:
    """zkmed — zero-knowledge proofs for medical records and verifiable elections."""


def _register() -> None:
    from zkmed.cli.demo import demo
    from zkmed.cli.info import info
    from zkmed.cli.sigma import sigma

    main.add_command(info)
    main.add_command(demo)
    main.add_command(sigma)
    try:
        from zkmed.cli.ledger import ledger
    except ImportError:  # pragma: no cover - during development only
        return
    main.add_command(ledger)


_register()

if __name__ == "__main__":  # pragma: no cover
    main()
