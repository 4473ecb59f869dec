"""FHIR R4 bundles: parse the source JSON (decimals as :class:`~decimal.Decimal`), validate with ``fhir.resources.R4B``.

Every value zkmed signs or hashes comes from the source JSON
(:attr:`FhirBundle.source`), never from the validated models: the models
rewrite timestamps and decimals.  The models only check the shape and types;
their errors are turned into :class:`~zkmed.errors.MalformedInput` naming the
resource (``Bundle.entry[i]`` with its type and id) and the field.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from zkmed.canonical_json import json_depth
from zkmed.encoding import utf8_decode
from zkmed.errors import MalformedInput

__all__ = ["MAX_BUNDLE_BYTES", "FhirBundle", "parse_bundle"]

MAX_BUNDLE_BYTES = 64 << 20
MAX_DEPTH = 64


def _reject_constant(name: str) -> Any:
    raise MalformedInput(f"FHIR bundle: {name} is not JSON")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise MalformedInput(f"FHIR bundle: duplicate JSON key {key[:40]!r}")
        out[key] = value
    return out


@dataclass(frozen=True)
class FhirBundle:
    """A validated bundle: its source JSON (decimals as ``Decimal``) and the SHA-256 of its bytes."""

    source: dict[str, Any]
    digest: bytes

    def resources(self, resource_type: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(entry index, resource)`` from the source JSON, optionally of one type."""
        for i, entry in enumerate(self.source.get("entry") or []):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict) and (resource_type is None or resource.get("resourceType") == resource_type):
                yield i, resource


def _where(source: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """``Bundle.entry[3] (Observation/abc).valueQuantity.value`` from a pydantic error location."""
    parts = ["Bundle"]
    node: Any = source
    i = 0
    while i < len(loc):
        key = loc[i]
        if isinstance(key, int):
            parts[-1] += f"[{key}]"
            node = node[key] if isinstance(node, list) and 0 <= key < len(node) else None
        else:
            if key == "resource" and isinstance(node, dict) and isinstance(node.get("resource"), dict):
                res = node["resource"]
                parts.append(f"resource ({res.get('resourceType', '?')}/{str(res.get('id', '?'))[:64]})")
                node = res
            else:
                parts.append(str(key))
                node = node.get(key) if isinstance(node, dict) else None
        i += 1
    return ".".join(parts)


def _validate(source: dict[str, Any]) -> None:
    from fhir.resources.R4B.bundle import Bundle  # imported lazily: ~0.2 s
    from pydantic import ValidationError

    try:
        Bundle.model_validate(source)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": str(exc)}
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise MalformedInput(
            f"invalid FHIR R4 bundle at {_where(source, tuple(first.get('loc', ())))}: {first.get('msg', '')}{more}"
        ) from None
    except KeyError as exc:  # fhir.resources looks an unknown resourceType up in its registry
        raise MalformedInput(f"invalid FHIR R4 bundle: unknown resource type {str(exc)[:80]}") from None
    except Exception as exc:  # noqa: BLE001 - a third-party validator on untrusted input: any failure is bad input
        raise MalformedInput(f"invalid FHIR R4 bundle: {type(exc).__name__}: {str(exc)[:200]}") from None


def parse_bundle(data: bytes, *, validate: bool = True) -> FhirBundle:
    """Parse a FHIR R4 ``Bundle`` from JSON bytes (strict UTF-8, no duplicate keys, decimals exact)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise MalformedInput(f"FHIR bundle: expected bytes, got {type(data).__name__}")
    raw = bytes(data)
    if len(raw) > MAX_BUNDLE_BYTES:
        raise MalformedInput(f"FHIR bundle: larger than {MAX_BUNDLE_BYTES} bytes")
    text = utf8_decode(raw, what="FHIR bundle")
    if json_depth(text) > MAX_DEPTH:
        raise MalformedInput(f"FHIR bundle: nested deeper than {MAX_DEPTH} levels")
    try:
        source = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_pairs)
    except json.JSONDecodeError as exc:
        raise MalformedInput(f"FHIR bundle: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise MalformedInput("FHIR bundle: nested too deeply") from None
    if not isinstance(source, dict) or source.get("resourceType") != "Bundle":
        raise MalformedInput("FHIR input must be a JSON object with resourceType 'Bundle'")
    if validate:
        _validate(source)
    return FhirBundle(source=source, digest=hashlib.sha256(raw).digest())
