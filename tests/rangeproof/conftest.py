from __future__ import annotations

import pytest
from rp_helpers import params_for

from zkmed.hazmat.commitments import PedersenParams

#: the whole range-proof suite runs on the default backend and on the pure-Python reference
SUITE_BACKENDS = ["P256", "secp256k1-pyecc"]


@pytest.fixture(scope="session")
def p256() -> PedersenParams:
    return params_for("P256")


@pytest.fixture(scope="session", params=SUITE_BACKENDS)
def params(request: pytest.FixtureRequest) -> PedersenParams:
    return params_for(request.param)
