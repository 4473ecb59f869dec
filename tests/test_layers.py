"""Data flows one way: no lower layer imports a higher one, and no two packages import each other.

The order (low to high) is the architecture of ``docs/architecture`` in the
README: errors and encoding → groups → transcript → commitments → sigma and
Bulletproof machinery (siblings) → statements (``zkmed.circuits``) → recipes
(``zkmed.proofs``) → the ledger → the CLI.  Checked on the source with ``ast``,
including imports inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

#: low to high; the packages of one tuple are siblings and must not import each other
LAYERS: list[tuple[str, ...]] = [
    ("zkmed.errors",),
    ("zkmed.encoding", "zkmed.files"),  # files: the one atomic-write helper
    ("zkmed.canonical_json",),
    ("zkmed.formats",),
    ("zkmed.hazmat.groups",),
    ("zkmed.hazmat.transcript",),
    ("zkmed.hazmat.commitments",),
    ("zkmed.hazmat.checks",),
    ("zkmed.hazmat.sigma", "zkmed.hazmat.bulletproofs"),
    ("zkmed.hazmat",),  # the hazmat facade (__init__) re-exports the layers below it
    ("zkmed.circuits",),
    ("zkmed.proofs",),
    ("zkmed.ledger",),
    ("zkmed.elections", "zkmed.electionguard", "zkmed.records"),  # the product modules (siblings)
    ("zkmed.audit",),  # the whole-ledger verifier dispatches to the product modules
    ("zkmed.serve",),  # the served ledger and public bulletin board
    ("zkmed",),  # the package root: version only
    ("zkmed.cli",),
]

#: folders that install under another name (pyproject's package-dir)
FOLDERS = {"zkmed": "zkmed", "circuits": "zkmed.circuits", "cli": "zkmed.cli"}


def _modules() -> list[tuple[str, Path]]:
    out = []
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out.append((".".join([package, *parts]), path))
    return out


def _imports(path: Path) -> set[str]:
    """Every absolute module an import names (``from a import b`` counts as ``a`` and ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _layer(module: str) -> tuple[int, str] | None:
    """``(rank, package)`` of the most specific layer entry that ``module`` belongs to."""
    best: tuple[int, str] | None = None
    for rank, packages in enumerate(LAYERS):
        for package in packages:
            if (module == package or module.startswith(package + ".")) and (
                best is None or len(package) > len(best[1])
            ):
                best = (rank, package)
    return best


def violations(module: str, imported: set[str]) -> list[str]:
    own = _layer(module)
    if own is None:
        return [f"{module} is in no layer"]
    bad = []
    for name in imported:
        if name == "zkmed":  # the root package (version only) is imported with every submodule anyway
            continue
        other = _layer(name)
        if other is None or other[1] == own[1]:
            continue
        if other[0] > own[0] or (other[0] == own[0] and other[1] != own[1]):
            bad.append(name)
    return sorted(bad)


@pytest.mark.parametrize("module, path", _modules(), ids=[m for m, _ in _modules()])
def test_no_upward_imports(module: str, path: Path) -> None:
    bad = violations(module, _imports(path))
    assert not bad, f"{module} imports {bad}, a higher layer or a sibling"


def test_every_module_has_a_layer() -> None:
    assert all(_layer(m) is not None for m, _ in _modules())


@pytest.mark.parametrize(
    "module, imported",
    [
        ("zkmed.hazmat.groups.base", "zkmed.hazmat.sigma.relation"),  # upward
        ("zkmed.hazmat.sigma.nizk", "zkmed.hazmat.bulletproofs.proof"),  # sibling
        ("zkmed.hazmat.bulletproofs.proof", "zkmed.circuits"),  # upward
        ("zkmed.circuits.membership", "zkmed.proofs.sigma"),  # the old circuits <-> recipes cycle
        ("zkmed.proofs.ranges", "zkmed.cli.render"),  # library -> CLI
        ("zkmed.ledger.chain", "zkmed.cli"),
    ],
)
def test_the_rule_catches_a_violation(module: str, imported: str, tmp_path: Path) -> None:
    fake = tmp_path / "m.py"
    package, _, name = imported.rpartition(".")
    fake.write_text(f"def f():\n    from {package} import {name}\n")
    assert imported in violations(module, _imports(fake))


def test_no_library_module_imports_the_cli_toolkit() -> None:
    """rich and click belong to the CLI; library modules never import them."""
    for module, path in _modules():
        if module.startswith("zkmed.cli"):
            continue
        roots = {name.split(".")[0] for name in _imports(path)}
        assert not roots & {"rich", "click"}, module
