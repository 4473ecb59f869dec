"""Data flows one way: no lower layer imports a higher one (checked on the source, with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

# module prefix -> prefixes it must never import
FORBIDDEN = {
    "zkmed.errors": ["zkmed.", "circuits", "cli"],
    "zkmed.encoding": [
        "zkmed.groups",
        "zkmed.transcript",
        "zkmed.sigma",
        "zkmed.rangeproof",
        "zkmed.ledger",
        "circuits",
        "cli",
    ],
    "zkmed.groups": [
        "zkmed.transcript",
        "zkmed.sigma",
        "zkmed.commitments",
        "zkmed.rangeproof",
        "zkmed.ledger",
        "circuits",
        "cli",
    ],
    "zkmed.transcript": ["zkmed.sigma", "zkmed.commitments", "zkmed.rangeproof", "zkmed.ledger", "circuits", "cli"],
    "zkmed.commitments": ["zkmed.sigma", "zkmed.rangeproof", "zkmed.ledger", "circuits", "cli"],
    "zkmed.sigma": ["zkmed.rangeproof", "zkmed.ledger", "cli"],
    "zkmed.rangeproof": ["zkmed.ledger", "cli"],
    "zkmed.ledger": ["zkmed.sigma", "zkmed.rangeproof", "zkmed.commitments", "circuits", "cli"],
    "zkmed": ["cli"],
    "circuits": ["zkmed.rangeproof", "zkmed.ledger", "cli"],
}


def _modules() -> list[tuple[str, Path]]:
    out = []
    for package in ("zkmed", "circuits"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out.append((".".join(parts), path))
    return out


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _rules_for(module: str) -> list[str]:
    rules: list[str] = []
    for prefix, forbidden in FORBIDDEN.items():
        if module == prefix or module.startswith(prefix + "."):
            rules += forbidden
    return rules


@pytest.mark.parametrize("module, path", _modules(), ids=[m for m, _ in _modules()])
def test_no_upward_imports(module: str, path: Path) -> None:
    bad = [
        name
        for name in _imports(path)
        for rule in _rules_for(module)
        if (name + ".").startswith(rule if rule.endswith(".") else rule + ".") and not name.startswith(module)
    ]
    assert not bad, f"{module} imports {bad}, a higher layer"


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    fake = tmp_path / "m.py"
    fake.write_text("from zkmed.sigma import recipes\n")
    assert any(n.startswith("zkmed.sigma") for n in _imports(fake))
    assert "zkmed.sigma" in _rules_for("zkmed.groups.base")
