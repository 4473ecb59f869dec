"""The fuzz harness's building blocks: targets, input strategies, mutations, the decoder census.

A :class:`Target` is one decoder or parser called on one input (bytes, or text
for the text formats), with the qualified names of the library functions it
exercises (``covers``) and, where there is one, valid encodings to mutate
(``seeds``), so the fuzzer gets past the first length or header check.
``tests/fuzz/test_decoders.py`` runs every target on random input and on
mutated seeds and accepts no exception but a ``ZkmedError``.

:func:`decoder_census` lists every public decoder-like function of the
library (by name: ``from_bytes``, ``decode…``, ``parse…``, ``deserialize``,
``unwrap``, ``peek…``, ``read…``, ``…_decode``); a test fails when one of them
is neither covered by a target nor exempted with a reason, so a new decoder
cannot land without being fuzzed.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

import zkmed

#: examples per fuzz test: bounded in `make test`, raised by `make test-slow`
EXAMPLES = int(os.environ.get("ZKMED_FUZZ_EXAMPLES", "200"))


@dataclass(frozen=True)
class Target:
    name: str
    call: Callable[[Any], object]
    covers: tuple[str, ...]
    text: bool = False  # the input is str (else bytes)
    seeds: Callable[[], Sequence[Any]] = field(default=lambda: ())
    max_size: int = 512  # random inputs up to this many bytes / characters
    heavy: bool = False  # marked slow (big-integer arithmetic per example)


def qualname(obj: Any, attr: str | None = None) -> str:
    """``module:Qual.name`` of a function, or of ``attr`` as defined (first) in ``obj``'s MRO."""
    if attr is None:
        return f"{obj.__module__}:{obj.__qualname__}"
    return definitions(obj, attr)[0]


def definitions(obj: Any, attr: str) -> list[str]:
    """``module:Qual.attr`` for every class in ``obj``'s MRO that defines ``attr`` (overrides first)."""
    cls = obj if isinstance(obj, type) else type(obj)
    found = [f"{k.__module__}:{k.__qualname__}.{attr}" for k in cls.__mro__ if attr in vars(k)]
    if not found:
        raise AttributeError(f"{cls.__qualname__} has no {attr}")
    return found


# ---------------------------------------------------------------------------
# inputs


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` after 1-4 byte-level edits: bit flips, byte sets, inserts, deletes, cuts, duplicated runs."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "extend", "duplicate"]))
        at = draw(st.integers(0, len(data))) if data else 0
        if op == "flip" and data:
            i = min(at, len(data) - 1)
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[min(at, len(data) - 1)] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, 0x0A, 0x20, 0x30]))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif op == "truncate":
            del data[at:]
        elif op == "extend":
            data += draw(st.binary(min_size=1, max_size=64))
        elif op == "duplicate" and data:
            run = bytes(data[at : at + draw(st.integers(1, 64))])
            data[at:at] = run
    return bytes(data)


@st.composite
def mutated_text(draw: st.DrawFn, seed: str) -> str:
    """``seed`` with line-level edits (drop, duplicate, swap, blank) or byte-level ones;
    undecodable bytes come back as lone surrogates, as the OS hands them to Python."""
    if draw(st.booleans()):
        lines = seed.split("\n")
        op = draw(st.sampled_from(["drop", "duplicate", "swap", "blank", "space", "crlf"]))
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        if op == "drop":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "blank":
            lines.insert(i, "")
        elif op == "space":
            lines[i] = lines[i].replace(" ", draw(st.sampled_from(["  ", "\t", "", " \u00a0"])), 1)
        else:
            lines[i] += "\r"
        return "\n".join(lines)
    return draw(mutated(seed.encode("utf-8"))).decode("utf-8", "surrogateescape")


def random_text(max_size: int) -> st.SearchStrategy[str]:
    """Any text, including lone surrogates and text decoded from random bytes."""
    return st.one_of(
        st.text(max_size=max_size),
        st.text(st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=max_size),
        st.binary(max_size=max_size).map(lambda b: b.decode("utf-8", "surrogateescape")),
    )


def inputs(target: Target) -> st.SearchStrategy[Any]:
    """Random input of the target's kind."""
    return random_text(target.max_size) if target.text else st.binary(max_size=target.max_size)


def mutations(target: Target, seeds: Sequence[Any]) -> st.SearchStrategy[Any]:
    """Mutated seeds of the target's kind."""
    strategy = mutated_text if target.text else mutated
    return st.sampled_from(list(seeds)).flatmap(strategy)


# ---------------------------------------------------------------------------
# the census of decoders

DECODER_NAME = re.compile(
    r"(from_(bytes|text|export|json|wire)\w*|deserialize\w*|unwrap|peek(_\w+)?|decode(_\w+)?|\w+_decode|parse(_\w+)?|(\w+_)?read(_\w+)?)"
)


def _library_modules() -> list[str]:
    names = [zkmed.__name__]
    for info in pkgutil.walk_packages(zkmed.__path__, zkmed.__name__ + "."):
        if info.name.startswith("zkmed.cli"):  # commands, not decoders (tests/cli fuzzes them)
            continue
        names.append(info.name)
    return names


def decoder_census() -> set[str]:
    """``module:Qual.name`` of every public decoder-like function or method defined in the library."""
    found: set[str] = set()
    for module_name in _library_modules():
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != module_name or name.startswith("_"):
                continue
            if inspect.isfunction(obj) and DECODER_NAME.fullmatch(name):
                found.add(f"{module_name}:{obj.__qualname__}")
            elif inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_") or not DECODER_NAME.fullmatch(attr):
                        continue
                    if isinstance(member, (classmethod, staticmethod)) or inspect.isfunction(member):
                        found.add(f"{module_name}:{obj.__qualname__}.{attr}")
    return found


def resolves(name: str) -> bool:
    """Whether ``module:Qual.name`` names an existing attribute."""
    module_name, _, path = name.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in path.split("."):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True
