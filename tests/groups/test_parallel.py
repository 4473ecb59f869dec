"""Large MSMs split across threads (zkmed.hazmat.groups.parallel): same point, no deadlock, sane configuration."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkmed.errors import MalformedInput
from zkmed.hazmat.commitments import derive_generators
from zkmed.hazmat.groups import get_group, parallel
from zkmed.hazmat.groups.base import Group

CURVES = ["P256", "secp256k1"]  # the petlib backends, whose MSM releases the GIL


@pytest.fixture(autouse=True)
def restore_threads() -> Iterator[None]:
    yield
    parallel.set_threads(None)


@pytest.fixture(scope="module", params=CURVES)
def group(request: pytest.FixtureRequest) -> Group:
    return get_group(request.param)


def _terms(group: Group, count: int, seed: bytes) -> tuple[list[int], list[object]]:
    bases = derive_generators(group, b"zkmed-test/parallel/" + seed, count)
    scalars = [int.from_bytes(os.urandom(40), "big") for _ in range(count)]  # unreduced, as msm allows
    return scalars, bases


def _unsplit(group: Group, scalars: list[int], bases: list[object], gen: int) -> object:
    parallel.set_threads(1)
    try:
        return group.msm(scalars, bases, gen_scalar=gen)
    finally:
        parallel.set_threads(None)


@pytest.mark.parametrize("threads", [2, 3, 4, 7])
@pytest.mark.parametrize("count", [96, 97, 150, 301])
def test_split_msm_is_the_same_point(group: Group, threads: int, count: int) -> None:
    scalars, bases = _terms(group, count, b"%d" % count)
    gen = int.from_bytes(os.urandom(32), "big")
    expected = _unsplit(group, scalars, bases, gen)
    parallel.set_threads(threads)
    assert parallel.chunks(count) == min(threads, count // parallel.MIN_TERMS_PER_CHUNK) > 1
    assert group.eq(group.msm(scalars, bases, gen_scalar=gen), expected)
    assert group.eq(group.msm(scalars, bases), _unsplit(group, scalars, bases, 0))  # no generator term


def test_split_msm_checks_lengths_and_handles_cancelling_terms(group: Group) -> None:
    scalars, bases = _terms(group, 120, b"cancel")
    parallel.set_threads(2)
    with pytest.raises(MalformedInput):
        group.msm(scalars, bases[:-1])
    # the second half cancels the first: every chunk's partial sum is non-trivial, the total is the identity
    mirrored = scalars[:60] + [group.order - k % group.order for k in scalars[:60]]
    assert group.is_identity(group.msm(mirrored, bases[:60] * 2))


@settings(max_examples=10, deadline=None)
@given(count=st.integers(min_value=1, max_value=200), threads=st.integers(min_value=1, max_value=5))
def test_split_matches_unsplit_for_any_size(count: int, threads: int) -> None:
    group = get_group("P256")
    scalars, bases = _terms(group, count, b"any")
    expected = _unsplit(group, scalars, bases, 5)
    parallel.set_threads(threads)
    assert group.eq(group.msm(scalars, bases, gen_scalar=5), expected)


def test_small_msms_stay_on_the_calling_thread() -> None:
    parallel.set_threads(8)
    assert parallel.chunks(1) == 1
    assert parallel.chunks(2 * parallel.MIN_TERMS_PER_CHUNK - 1) == 1
    assert parallel.chunks(2 * parallel.MIN_TERMS_PER_CHUNK) == 2
    parallel.set_threads(1)
    assert parallel.chunks(10_000) == 1


def test_callers_verifying_in_their_own_threads_do_not_starve_the_pool() -> None:
    group = get_group("P256")
    parallel.set_threads(2)
    jobs = [_terms(group, 200, b"job%d" % i) for i in range(6)]
    expected = [_unsplit(group, s, b, 0) for s, b in jobs]
    parallel.set_threads(2)
    with ThreadPoolExecutor(max_workers=6) as outer:  # more callers than pool threads
        results = list(outer.map(lambda job: group.msm(*job), jobs, timeout=120))
    assert all(group.eq(r, e) for r, e in zip(results, expected, strict=True))


def test_pool_threads_do_not_split_again() -> None:
    group = get_group("P256")
    parallel.set_threads(2)
    seen: list[int] = []

    def inner(lo: int, hi: int, first: bool) -> int:
        seen.append(parallel.chunks(10_000) if threading.current_thread().name.startswith("zkmed-msm") else -1)
        return hi - lo

    assert parallel.split_sum(1000, 2, inner, lambda a, b: a + b) == 1000
    assert sorted(seen) == [-1, 1]  # the caller's own chunk, and a pool chunk that would not split again
    assert group.eq(group.msm([1] * 100, [group.generator()] * 100), group.mul_gen(100))


def test_threads_context_restores_the_previous_setting() -> None:
    parallel.set_threads(3)
    with parallel.threads(1):
        assert parallel.get_threads() == 1 and parallel.chunks(10_000) == 1
    assert parallel.get_threads() == 3
    with pytest.raises(MalformedInput), parallel.threads(0):
        pass  # pragma: no cover - refused before the body
    assert parallel.get_threads() == 3


def test_configuration_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in (0, -1, True, 1.5, "2"):
        with pytest.raises(MalformedInput):
            parallel.set_threads(bad)  # type: ignore[arg-type]
    monkeypatch.setenv(parallel.ENV_VAR, "3")
    assert parallel.get_threads() == 3
    parallel.set_threads(1)
    assert parallel.get_threads() == 1  # set_threads wins over the environment
    parallel.set_threads(None)
    for bad in ("zero", "0", "-2"):
        monkeypatch.setenv(parallel.ENV_VAR, bad)
        with pytest.raises(MalformedInput, match=parallel.ENV_VAR):
            parallel.get_threads()
    monkeypatch.delenv(parallel.ENV_VAR)
    assert parallel.get_threads() == (os.cpu_count() or 1)
    assert parallel.get_threads() >= 1


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="needs POSIX fork")
def test_a_forked_child_gets_a_fresh_pool() -> None:
    group = get_group("P256")
    parallel.set_threads(2)
    scalars, bases = _terms(group, 200, b"fork")
    expected = group.encode_element(group.msm(scalars, bases))  # the parent's pool now has a live thread
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            ok = group.encode_element(group.msm(scalars, bases)) == expected
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and answer == b"1"
