"""A verifier's request: nonce, audience, attributes to reveal, predicates (or policy names) to prove."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from zkmed.errors import MalformedInput
from zkmed.records.attributes import ATTRIBUTE_NAME
from zkmed.records.predicates import Predicate, expand

__all__ = ["Request", "check_token"]

_TOKEN = re.compile(r"^[\x21-\x7e]{1,256}$")


def check_token(value: object, what: str) -> str:
    """A nonce or audience: 1–256 printable ASCII characters, no spaces."""
    if not isinstance(value, str) or not _TOKEN.match(value):
        raise MalformedInput(f"{what} must be 1 to 256 printable ASCII characters without spaces")
    return value


@dataclass(frozen=True)
class Request:
    """What the verifier asks for; ``prove`` holds predicate strings and policy names."""

    nonce: str
    audience: str
    reveal: tuple[str, ...] = ()
    prove: tuple[str, ...] = ()
    policies: tuple[str, ...] = field(init=False, default=())
    predicates: tuple[Predicate, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        check_token(self.nonce, "the nonce")
        check_token(self.audience, "the audience")
        if not isinstance(self.reveal, Sequence) or not all(isinstance(r, str) for r in self.reveal):
            raise MalformedInput("reveal must be a list of attribute names")
        for name in self.reveal:
            if not ATTRIBUTE_NAME.match(name):
                raise MalformedInput(
                    f"{name[:60]!r} is not an attribute name (Patient.gender, Observation[4548-4].value, Condition.code, …)"
                )
        if len(set(self.reveal)) != len(self.reveal):
            raise MalformedInput("an attribute is named twice in reveal")
        policies, predicates = expand(list(self.prove))
        object.__setattr__(self, "reveal", tuple(self.reveal))
        object.__setattr__(self, "prove", tuple(self.prove))
        object.__setattr__(self, "policies", tuple(policies))
        object.__setattr__(self, "predicates", tuple(predicates))
        if not self.reveal and not self.predicates:
            raise MalformedInput("a request reveals or proves at least one thing")
