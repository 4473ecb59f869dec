"""``zkmed circuits list|show``: the named policies (``circuits/policies.py``) and statements (``circuits/``)."""

from __future__ import annotations

import click

from zkmed.canonical_json import canonical_json
from zkmed.circuits import REGISTRY, get_circuit
from zkmed.circuits.policies import POLICIES
from zkmed.cli import render
from zkmed.errors import MalformedInput
from zkmed.formats import RECORDS_POLICIES


def _policy_json(name: str) -> dict:
    p = POLICIES[name]
    return {
        "name": p.name,
        "kind": "policy",
        "title": p.title,
        "predicates": list(p.predicates),
        "reveal": list(p.reveal),
    }


def _circuit_json(name: str) -> dict:
    return {"name": name, "kind": "statement", "notation": get_circuit(name).notation}


@click.group()
def circuits() -> None:
    """Named policies and statements, declared once in circuits/.

    Example: zkmed circuits list
    """


@circuits.command("list")
@click.option("--json", "as_json", is_flag=True, help="print the zkmed.records.policies JSON")
def list_cmd(as_json: bool) -> None:
    """List the named policies and sigma statements.

    Example: zkmed circuits list --json
    """
    items = [_policy_json(n) for n in POLICIES] + [_circuit_json(n) for n in REGISTRY]
    if as_json:
        click.echo(canonical_json({**RECORDS_POLICIES.json_header(), "items": items}).decode())
        return
    rows = [[i["name"], i["kind"], i.get("title") or i.get("notation")] for i in items]
    render.table("circuits", ["name", "kind", "meaning"], rows)


@circuits.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="print the zkmed.records.policies JSON")
def show(name: str, as_json: bool) -> None:
    """Show one policy (its predicates) or statement (its notation).

    Example: zkmed circuits show adult --json
    """
    if name in POLICIES:
        item = _policy_json(name)
    elif name in REGISTRY:
        item = _circuit_json(name)
    else:
        raise MalformedInput(f"unknown circuit or policy {name[:40]!r}; see 'zkmed circuits list'")
    if as_json:
        click.echo(canonical_json({**RECORDS_POLICIES.json_header(), "items": [item]}).decode())
        return
    click.echo(f"{item['name']} ({item['kind']})")
    if item["kind"] == "policy":
        click.echo(f"  {item['title']}")
        for pred in item["predicates"]:
            click.echo(f"  prove: {pred}")
    else:
        click.echo(f"  {item['notation']}")
