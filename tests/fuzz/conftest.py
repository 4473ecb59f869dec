"""The fuzz tests' marker (``make test-slow`` runs them with many more examples) and import path."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: hypothesis fuzzing; ZKMED_FUZZ_EXAMPLES sets the examples per test")
