"""Provers perform the same group operations whatever the secret, and feed secrets only to the secret paths.

A :class:`Recorder` instruments a *fresh* group instance (instance attributes
shadow its methods) and the fixed-base classes, and counts every group
operation by name while a prover runs.  For each public recipe the counts must
be identical for two very different witnesses (value 0 vs q - 1, bit 0 vs 1,
first vs last set element, range value 0 vs 2^64 - 1, ...): a prover that
branches on a secret — a skipped term, an early exit, a data-dependent choice
between ``mul`` and ``mul_gen`` — is caught.

Second check: every scalar handed to a *public* operation (``mul``,
``mul_gen``, ``msm``, ``FixedBase.mul``) is recorded; none may equal a
blinding, a witness or a nonce (the recipes take an ``rng`` whose draws are
recorded), unless that value is published in the proof itself (simulated
responses and challenges of an OR branch are public).  Small witnesses (0, 1,
small values) cannot be told apart from public coefficients by value; for them
the operation counts are the check.

The self-tests at the end show the recorder catches a deliberately branching
toy prover and a prover that hands its nonce to ``mul_gen``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from zkmed import proofs
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import BACKENDS, FixedBase
from zkmed.hazmat.groups.base import Group
from zkmed.hazmat.groups.petlib_ec import PetlibFixedBase

PUBLIC_OPS = ("mul", "mul_gen", "msm")
SECRET_OPS = ("mul_secret", "mul_gen_secret")
CONTEXT = b"zkmed-test/constant-time"


class Recorder:
    """Counts group operations by name and keeps every scalar given to a public operation."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.public_scalars: list[int] = []
        self.active = False

    def note(self, name: str, scalars: list[int]) -> None:
        if not self.active:
            return
        self.counts[name] += 1
        if name in PUBLIC_OPS or name == "fixed.mul":
            self.public_scalars += scalars

    @contextmanager
    def running(self) -> Iterator[Recorder]:
        self.counts.clear()
        self.public_scalars.clear()
        self.active = True
        try:
            yield self
        finally:
            self.active = False


def _scalars_of(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[int]:
    if name == "mul":
        return [args[1]]
    if name == "mul_gen":
        return [args[0]]
    if name == "msm":
        return [*args[0], kwargs.get("gen_scalar", args[2] if len(args) > 2 else 0)]
    return []


def instrument(group: Group, rec: Recorder, monkeypatch: pytest.MonkeyPatch) -> Group:
    """Wrap every public method of ``group`` (a fresh instance) and the fixed-base multiplications."""
    for name in dir(type(group)):
        if name.startswith("_") or not callable(getattr(type(group), name)):
            continue
        original = getattr(group, name)

        def wrapper(*args: Any, _name: str = name, _orig: Callable[..., Any] = original, **kwargs: Any) -> Any:
            rec.note(_name, _scalars_of(_name, args, kwargs))
            return _orig(*args, **kwargs)

        monkeypatch.setattr(group, name, wrapper, raising=False)  # instance attribute: this group only
    for cls in (FixedBase, PetlibFixedBase):
        for method in ("mul", "mul_secret"):
            original = cls.__dict__.get(method)
            if original is None:
                continue

            def fixed(self: FixedBase, k: int, _m: str = method, _orig: Callable[..., Any] = original) -> Any:
                if self.group is group:
                    rec.note(f"fixed.{_m}", [k])
                return _orig(self, k)

            monkeypatch.setattr(cls, method, fixed)
    return group


class Draws:
    """A recording ``rng`` for the recipes: uniform non-zero scalars from a seeded generator."""

    def __init__(self, group: Group, seed: int) -> None:
        self._rand = random.Random(seed)
        self._q = group.order
        self.drawn: list[int] = []

    def __call__(self) -> int:
        k = self._rand.randrange(1, self._q)
        self.drawn.append(k)
        return k


def _big(k: int, q: int) -> bool:
    """Only values far from 0 and q can be recognised as secrets by value."""
    k %= q
    return 2**40 < k < q - 2**40


def assert_no_secret_in_public_ops(rec: Recorder, group: Group, secrets_: list[int], proof: Any) -> None:
    q = group.order
    published = proof.to_bytes() if hasattr(proof, "to_bytes") else b""
    public = {k % q for k in rec.public_scalars}
    for s in secrets_:
        s %= q
        if not _big(s, q) or s.to_bytes(group.scalar_size, "big") in published:
            continue  # small, or published in the proof (simulated branch): not a secret by value
        assert s not in public and (q - s) % q not in public, "a secret scalar reached a public operation"


@pytest.fixture(params=["P256", "EG4096"])
def setup(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> tuple[Group, PedersenParams, Recorder]:
    rec = Recorder()
    group = instrument(BACKENDS[request.param](), rec, monkeypatch)
    return group, PedersenParams.derive(group), rec


def run_twice(rec: Recorder, group: Group, prove: Callable[[Draws], Any], secrets_of: Callable[[int], list[int]]):
    """Run ``prove`` for case 0 and case 1 (same rng seed); return both operation counts after the secret check."""
    prove_case(prove, 0, Draws(group, seed=1))  # warm-up, not recorded: generators and tables built once per group
    out = []
    for case in (0, 1):
        draws = Draws(group, seed=1234)
        with rec.running():
            proof = prove_case(prove, case, draws)
        assert sum(rec.counts[name] for name in (*SECRET_OPS, "fixed.mul_secret")), "no secret operation seen"
        assert_no_secret_in_public_ops(rec, group, [*secrets_of(case), *draws.drawn], proof)
        out.append(dict(rec.counts))
    return out


def prove_case(prove: Callable[..., Any], case: int, draws: Draws) -> Any:
    return prove(case, draws)


# ----------------------------------------------------------------------------- commitments


def test_commit_counts_do_not_depend_on_the_value(setup) -> None:
    group, pp, rec = setup
    q = group.order
    values, blindings = (0, q - 1), (1, q - 1)
    counts = []
    for v, r in zip(values, blindings, strict=True):
        with rec.running():
            pp.commit(v, r)
        counts.append(dict(rec.counts))
        assert not any(rec.counts[name] for name in PUBLIC_OPS)
    assert counts[0] == counts[1]
    assert (
        counts[0].get("fixed.mul_secret", 0) + counts[0].get("mul_secret", 0) + counts[0].get("mul_gen_secret", 0) >= 2
    )


# ----------------------------------------------------------------------------- sigma recipes


def test_opening_proof(setup) -> None:
    group, pp, rec = setup
    q = group.order
    witnesses = [(0, 1), (q - 1, q - 1)]
    commitments = [pp.commit(v, r) for v, r in witnesses]

    def prove(case: int, draws: Draws) -> Any:
        v, r = witnesses[case]
        return proofs.prove_opening(pp, commitments[case], v, r, context=CONTEXT, rng=draws)

    a, b = run_twice(rec, group, prove, lambda case: list(witnesses[case]))
    assert a == b


def test_bit_proof(setup) -> None:
    group, pp, rec = setup
    blinding = 0x1234567890ABCDEF1234567890ABCDEF % group.order
    commitments = [pp.commit(bit, blinding) for bit in (0, 1)]

    def prove(case: int, draws: Draws) -> Any:
        return proofs.prove_bit(pp, commitments[case], case, blinding, context=CONTEXT, rng=draws)

    a, b = run_twice(rec, group, prove, lambda case: [blinding])
    assert a == b


def test_membership_proof(setup) -> None:
    group, pp, rec = setup
    allowed = [3, 17, 42, 99, 1000]
    blinding = 0xFEDCBA9876543210FEDCBA98765432 % group.order
    chosen = (allowed[0], allowed[-1])
    commitments = [pp.commit(v, blinding) for v in chosen]

    def prove(case: int, draws: Draws) -> Any:
        return proofs.prove_membership(
            pp, commitments[case], allowed, chosen[case], blinding, context=CONTEXT, rng=draws
        )

    a, b = run_twice(rec, group, prove, lambda case: [blinding])
    assert a == b


# ----------------------------------------------------------------------------- Bulletproofs


def test_range_proof(setup) -> None:
    group, pp, rec = setup
    if group.name != "P256":
        pytest.skip("Bulletproofs are timed on P-256 only (the EG4096 prover takes seconds)")
    from zkmed.proofs import ranges

    blinding = 0xA5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5 % group.order
    values = (0, 2**64 - 1)
    commitments = [pp.commit(v, blinding) for v in values]

    def prove(case: int, draws: Draws) -> Any:
        return ranges.prove_interval(
            pp, commitments[case], 0, 2**64 - 1, values[case], blinding, context=CONTEXT, rng=draws
        )

    a, b = run_twice(rec, group, prove, lambda case: [blinding])
    assert a == b


# ----------------------------------------------------------------------------- the test can fail


def _branching_prover(group: Group, x: int, rng: Draws) -> Any:
    """A toy Schnorr prover that skips the multiplication for x = 0: exactly what the counts must catch."""
    k = rng()
    commitment = group.mul_gen_secret(k)
    public = group.mul_gen_secret(x) if x else group.identity()
    return commitment, public


def _leaky_prover(group: Group, x: int, rng: Draws) -> Any:
    """A toy prover that hands its nonce to the variable-time mul_gen."""
    k = rng()
    return group.mul_gen(k), group.mul_gen_secret(x)


def test_recorder_catches_a_branching_prover(monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder()
    group = instrument(BACKENDS["P256"](), rec, monkeypatch)
    counts = []
    for x in (0, 5):
        with rec.running():
            _branching_prover(group, x, Draws(group, 1))
        counts.append(dict(rec.counts))
    assert counts[0] != counts[1]  # the skipped term shows


def test_recorder_catches_a_secret_in_a_public_operation(monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder()
    group = instrument(BACKENDS["P256"](), rec, monkeypatch)
    draws = Draws(group, 2)
    with rec.running():
        _leaky_prover(group, 7, draws)
    with pytest.raises(AssertionError, match="public operation"):
        assert_no_secret_in_public_ops(rec, group, draws.drawn, proof=None)
