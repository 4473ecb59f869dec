"""Bounded discrete logs (baby-step/giant-step): every value up to the bound, nothing beyond it."""

from __future__ import annotations

import pytest

from zkmed.elections.dlog import MAX_VALUE, DlogTable, discrete_log, dlog_table
from zkmed.errors import MalformedInput, VerificationError
from zkmed.hazmat.groups import get_group


@pytest.mark.parametrize("group", ["P256", "EG4096"])
@pytest.mark.parametrize("bound", [0, 1, 2, 3, 15, 16, 17, 99, 100])
def test_every_value_up_to_the_bound(group, bound):
    g = get_group(group)
    table = DlogTable(g, bound)
    assert table.baby_steps * table.giant_steps > bound
    for m in range(bound + 1):
        assert table.solve(g.mul_gen(m)) == m
    assert table.solve(g.mul_gen(bound + 1)) is None
    assert table.solve(g.mul_gen(g.order - 1)) is None  # -1
    with pytest.raises(VerificationError, match=f"not in \\[0, {bound}\\]"):
        discrete_log(g, g.mul_gen(bound + 1), bound)


def test_large_bound_and_cache():
    g = get_group("P256")
    assert discrete_log(g, g.mul_gen(123_456), 200_000) == 123_456
    assert dlog_table(g, 200_000) is dlog_table(g, 200_000)
    assert dlog_table(g, 200_000).baby_steps == 448


@pytest.mark.parametrize("bound", [-1, MAX_VALUE + 1, True, 1.5])
def test_bad_bounds(bound):
    with pytest.raises(MalformedInput):
        dlog_table(get_group("P256"), bound)
