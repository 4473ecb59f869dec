"""The README's library example runs as written (so the README keeps telling the truth)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_mentions_the_two_commands() -> None:
    head = README.read_text(encoding="utf-8")[:1200]
    assert "make demo" in head and "make test" in head


def test_library_example_runs() -> None:
    blocks = _python_blocks()
    assert blocks, "README has no python example"
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert "rp" in namespace
