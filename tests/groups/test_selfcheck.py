"""zkmed.hazmat.groups.selfcheck: every registered backend passes; a broken one is reported, not raised."""

from __future__ import annotations

import pytest

from zkmed.errors import BackendUnavailable, ZkmedError
from zkmed.hazmat.groups import BACKENDS, get_group, selfcheck
from zkmed.hazmat.groups.base import Element, Group
from zkmed.hazmat.groups.modp_gmpy2 import EG_G, EG_P, EG_Q, ModPGroup


def test_self_check_all_passes() -> None:
    results = selfcheck.self_check_all()
    assert [r.name for r in results] == list(BACKENDS)
    for r in results:
        assert r.ok, r.detail
        group = get_group(r.name)
        assert (r.backend, r.order_bits, r.element_size) == (group.backend, 256, group.element_size)
        assert (r.constant_time, r.constant_time_detail) == group.constant_time_note()
        assert r.fixed_base == group.fixed_base_state()


class _OffByG(ModPGroup):
    """A deliberately broken group: ``add`` multiplies in an extra generator."""

    def add(self, a: Element, b: Element) -> Element:
        return super().add(super().add(a, b), self.generator())


class _SecretOffByOne(ModPGroup):
    """A deliberately broken group: ``mul_secret`` multiplies by k + 1."""

    def mul_secret(self, a: Element, k: int) -> Element:
        return super().mul_secret(a, k + 1)


def test_check_group_law_detects_a_broken_secret_multiplication() -> None:
    with pytest.raises(ZkmedError, match="mul_secret"):
        selfcheck.check_group_law(_SecretOffByOne("broken-secret", EG_P, EG_Q, EG_G))


def _broken() -> Group:
    # full-size parameters: random scalars must not hit 0 (a toy group of order 11 would, often)
    return _OffByG("broken", EG_P, EG_Q, EG_G)


def test_check_group_law_detects_a_broken_group() -> None:
    selfcheck.check_group_law(get_group("EG4096"))
    with pytest.raises(ZkmedError, match="self-check failed"):
        selfcheck.check_group_law(_broken())


def test_self_check_all_reports_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_get_group(name: str) -> Group:
        if name == "P256":
            return _broken()
        if name == "EG4096":
            raise BackendUnavailable("gmpy2 missing (simulated)")
        return get_group(name)

    monkeypatch.setattr(selfcheck, "get_group", fake_get_group)
    results = {r.name: r for r in selfcheck.self_check_all()}
    assert not results["P256"].ok and "self-check failed" in results["P256"].detail
    assert not results["EG4096"].ok and "simulated" in results["EG4096"].detail
    assert results["secp256k1"].ok and results["secp256k1-pyecc"].ok
