"""``zkmed electionguard …``: verify ElectionGuard 2.0 election records made by other software."""

from __future__ import annotations

import click


@click.group()
def electionguard() -> None:
    """Verify ElectionGuard 2.0 election records (egk JSON layout)."""


COMMANDS: list[click.Command] = [electionguard]
