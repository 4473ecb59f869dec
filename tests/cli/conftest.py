"""The CLI tests' marker for the hostile-input runs (``make test-slow`` selects ``fuzz`` too)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fuzz: hypothesis / hostile-input fuzzing; ZKMED_FUZZ_EXAMPLES sets the examples"
    )
