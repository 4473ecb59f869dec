"""Named disclosure policies for medical-record presentations, declared once as data.

A policy is a name, a one-line meaning and the predicates (in the predicate
syntax of ``docs/records.md`` §Predicates) a presentation must prove for it.
``zkmed record present --prove NAME`` proves them all;
``zkmed record verify`` checks that every policy a presentation claims has all
its predicates proved.  The statements behind the predicates are the range
proofs (Bulletproofs intervals) and the OR proofs (``membership.one_of``) of
:mod:`zkmed.proofs`; ``zkmed circuits list|show`` prints these declarations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zkmed.errors import MalformedInput

POLICY_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Policy:
    """A named policy: the predicates a presentation proves for it (and what it reveals, usually nothing)."""

    name: str
    title: str
    predicates: tuple[str, ...]
    reveal: tuple[str, ...] = ()


POLICIES: dict[str, Policy] = {
    p.name: p
    for p in (
        Policy("adult", "the patient is at least 18 years old on the presentation date", ("age >= 18",)),
        Policy(
            "hba1c-controlled",
            "the latest HbA1c (LOINC 4548-4) is below 7.0 %",
            ("Observation[4548-4].value < 7.0 %",),
        ),
        Policy(
            "diabetes-dx",
            "a diabetes diagnosis: some condition is SNOMED 44054006 (type 2) or 46635009 (type 1)",
            ("Condition.code in {44054006, 46635009}",),
        ),
    )
}


def get_policy(name: str) -> Policy:
    """The policy called ``name``; MalformedInput naming the known ones otherwise."""
    policy = POLICIES.get(name) if isinstance(name, str) else None
    if policy is None:
        raise MalformedInput(f"unknown policy {str(name)[:40]!r}; known: {', '.join(POLICIES)}")
    return policy


__all__ = ["POLICIES", "POLICY_NAME", "Policy", "get_policy"]
