"""``zkmed election …``, ``zkmed vote``, ``zkmed tally``, ``zkmed trustee …``: run and verify an election on a ledger."""

from __future__ import annotations

import click


@click.group()
def election() -> None:
    """Create, inspect and verify elections on a ledger."""


COMMANDS: list[click.Command] = [election]
