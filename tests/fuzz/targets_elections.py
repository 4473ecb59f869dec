"""Fuzz targets of ``zkmed.elections``' decoders (collected by ``fuzz_targets.all_targets``)."""

from __future__ import annotations

from fuzz_support import Target


def targets() -> list[Target]:
    return []
