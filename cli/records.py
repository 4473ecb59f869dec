"""``zkmed record …``, ``zkmed consent …``, ``zkmed circuits …``: FHIR credentials, presentations, consent, audit."""

from __future__ import annotations

import click


@click.group()
def record() -> None:
    """Issue FHIR credentials, present and verify attributes and predicates."""


COMMANDS: list[click.Command] = [record]
