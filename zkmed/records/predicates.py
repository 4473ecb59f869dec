"""Predicates on hidden attributes: syntax, resolution against an attribute, proofs (``docs/records.md`` §Predicates).

Syntax (one predicate per string; spaces around operators optional)::

    ATTRIBUTE OP VALUE [UNIT]          OP in  <  <=  >  >=  =      e.g.  Observation[4548-4].value < 7.0 %
    ATTRIBUTE between LO and HI [UNIT]                                   Observation[8480-6].value between 90 and 140 mm[Hg]
    ATTRIBUTE in {V1, V2, ...} [UNIT]                                    Condition.code in {44054006, 15777000}
    age OP N                           OP in  <  <=  >  >=               age >= 18
    POLICY                                                               adult   (circuits/policies.py)

Values: decimals, ``YYYY-MM-DD`` dates, codes (bare tokens), ``"quoted strings"``,
``true``/``false``.  A quantity's unit must be given and must equal the
attribute's UCUM unit (MalformedInput naming both otherwise).  A decimal bound
may not have more decimals than the attribute's scale.

Statements: ``< <= > >=`` are a Bulletproof that the committed value lies in a
window of width 2^32 on the true side of the bound (all encoded values and bounds
satisfy ``|v| < 2^30``, so the window holds every value that satisfies the
predicate); ``between`` is the interval proof ``[lo, hi]``; ``=`` is a Schnorr
proof of ``C − v·G = r·H``; ``in`` is a CDS OR proof over the set (2–256 values).
``age OP N`` is a range predicate on ``Patient.birthDate`` against the day
``date − N years`` (Feb 29 → Feb 28), computed exactly at the presentation date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from zkmed.circuits.policies import POLICIES, POLICY_NAME, get_policy
from zkmed.errors import MalformedInput, ProvingError, VerificationError
from zkmed.hazmat.bulletproofs.bulletproofs import BatchEntry, batch_verify
from zkmed.hazmat.bulletproofs.proof import RangeProof
from zkmed.hazmat.commitments import PedersenParams
from zkmed.hazmat.groups import Element
from zkmed.proofs import (
    DlogProof,
    MembershipProof,
    prove_dlog,
    prove_interval,
    prove_membership,
    verify_dlog,
    verify_interval,
    verify_membership,
)
from zkmed.proofs.ranges import interval_batch_entry, interval_layout, predicate_interval
from zkmed.records.attributes import MAX_ABS, NUMERIC, code_scalar, date_to_day, parse_decimal, string_scalar

__all__ = ["RANGE_BITS", "Predicate", "Statement", "expand", "parse_predicate", "resolve"]

RANGE_BITS = 32
MAX_PREDICATE = 4096
MAX_SET = 256
BIRTH_DATE = "Patient.birthDate"
_ATTR = (
    r"(Patient\.[A-Za-z.]+|Observation\[[0-9A-Za-z.-]{1,32}\]\.(?:value|date)|Condition\.code"
    r"|Condition\[[0-9]{1,32}\]\.status)"
)
_VAL = r'("[^"\\]*"|[^\s{}",]+)'
_UNIT = r"(?:\s+(\S{1,64}))?"
_AGE = re.compile(r"^age\s*(<=|>=|<|>)\s*([0-9]{1,3})$")
_BETWEEN = re.compile(rf"^{_ATTR}\s+between\s+{_VAL}\s+and\s+{_VAL}{_UNIT}$")
_SET = re.compile(rf"^{_ATTR}\s+in\s*\{{([^{{}}]*)\}}{_UNIT}$")
_CMP = re.compile(rf"^{_ATTR}\s*(<=|>=|==|=|<|>)\s*{_VAL}{_UNIT}$")
_BARE = re.compile(r'^[^\s{}",]+$')


def _render(value: str) -> str:
    return value if _BARE.match(value) else f'"{value}"'


def _unquote(token: str) -> str:
    return token[1:-1] if len(token) >= 2 and token[0] == token[-1] == '"' else token


@dataclass(frozen=True)
class Predicate:
    """A parsed predicate: ``attribute op values [unit]`` (``op``: < <= > >= = between in, or age<… for age)."""

    attribute: str
    op: str
    values: tuple[str, ...]
    unit: str = ""
    age: bool = False

    @property
    def text(self) -> str:
        """The canonical text (what presentations carry and proofs bind)."""
        if self.age:
            return f"age {self.op} {self.values[0]}"
        unit = f" {self.unit}" if self.unit else ""
        if self.op == "between":
            return f"{self.attribute} between {_render(self.values[0])} and {_render(self.values[1])}{unit}"
        if self.op == "in":
            return f"{self.attribute} in {{{', '.join(_render(v) for v in self.values)}}}{unit}"
        return f"{self.attribute} {self.op} {_render(self.values[0])}{unit}"


def parse_predicate(text: Any) -> Predicate:
    """Parse one predicate (not a policy name; see :func:`expand`); MalformedInput with the syntax otherwise."""
    if not isinstance(text, str) or len(text) > MAX_PREDICATE:
        raise MalformedInput("a predicate is a string of at most 4096 characters")
    s = text.strip()
    if m := _AGE.match(s):
        return Predicate(BIRTH_DATE, m[1], (str(int(m[2])),), age=True)
    if m := _BETWEEN.match(s):
        return Predicate(m[1], "between", (_unquote(m[2]), _unquote(m[3])), m[4] or "")
    if m := _SET.match(s):
        items = [t.strip() for t in m[2].split(",")] if m[2].strip() else []
        if not items or any(not re.fullmatch(_VAL, t) for t in items):
            raise MalformedInput(f"predicate {s[:80]!r}: the set must be {{value, value, ...}}")
        values = tuple(dict.fromkeys(_unquote(t) for t in items))
        if len(values) > MAX_SET:
            raise MalformedInput(f"predicate {s[:80]!r}: a set holds at most {MAX_SET} values")
        return Predicate(m[1], "in", values, m[3] or "")
    if m := _CMP.match(s):
        return Predicate(m[1], "=" if m[2] == "==" else m[2], (_unquote(m[3]),), m[4] or "")
    raise MalformedInput(
        f"cannot parse predicate {s[:80]!r}; expected e.g. 'Observation[4548-4].value < 7.0 %', 'age >= 18', "
        "'Condition.code in {44054006, 15777000}' or a policy name"
    )


def expand(items: list[str] | tuple[str, ...]) -> tuple[list[str], list[Predicate]]:
    """Split ``--prove`` arguments into policy names and predicates (a policy expands to its predicates)."""
    policies: list[str] = []
    preds: list[Predicate] = []
    for item in items:
        name = item.strip() if isinstance(item, str) else item
        if isinstance(name, str) and POLICY_NAME.match(name) and name != "age":
            policy = get_policy(name)
            if name not in policies:
                policies.append(name)
            preds.extend(parse_predicate(p) for p in policy.predicates)
        else:
            preds.append(parse_predicate(item))
    unique = list({p.text: p for p in preds}.values())
    return policies, unique


def policy_predicates(name: str) -> list[str]:
    return [parse_predicate(p).text for p in get_policy(name).predicates]


# ------------------------------------------------------------------ resolution


@dataclass(frozen=True)
class Statement:
    """What is proved about one commitment: ``range`` [lo, hi], ``eq`` value, or ``set`` values (integers)."""

    kind: str
    lo: int = 0
    hi: int = 0
    values: tuple[int, ...] = ()

    def holds(self, value: int, q: int) -> bool:
        if self.kind == "range":
            return self.lo <= value <= self.hi
        return value % q in {v % q for v in self.values}


def minus_years(day: dt.date, years: int) -> dt.date:
    """``day − years`` years; Feb 29 in a year without one becomes Feb 28."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _bound(kind: str, text: str, scale: int, system: str, where: str) -> int:
    if kind == "date":
        v = date_to_day(text, where)
    elif kind == "boolean":
        if text not in ("true", "false"):
            raise MalformedInput(f"{where}: a boolean is true or false")
        v = int(text == "true")
    elif kind == "code":
        return code_scalar(system, text)
    elif kind == "string":
        return string_scalar(text)
    else:
        d = parse_decimal(text, where) * (Decimal(10) ** (scale if kind == "decimal" else 0))
        if d != d.to_integral_value():
            raise MalformedInput(f"{where}: {text!r} has more decimals than the attribute's scale ({scale})")
        v = int(d)
    if not -MAX_ABS < v < MAX_ABS:
        raise MalformedInput(f"{where}: bound {text[:40]!r} is out of range (|v| < 2^30)")
    return v


def resolve(pred: Predicate, description: dict[str, Any], date: dt.date) -> Statement:
    """The statement ``pred`` means for an attribute described by ``description`` at the presentation ``date``."""
    kind, unit, scale, system = description["kind"], description["unit"], description["scale"], description["system"]
    where = f"predicate '{pred.text[:80]}'"
    if pred.age:
        if kind != "date":
            raise MalformedInput(f"{where}: {BIRTH_DATE} is not a date")
        n = int(pred.values[0])
        threshold = (minus_years(date, n) - dt.date(1970, 1, 1)).days
        if pred.op in (">", "<="):
            threshold = (minus_years(date, n + 1) - dt.date(1970, 1, 1)).days
        op = "<=" if pred.op in (">=", ">") else ">"  # age >= n  <=>  birth <= date − n years
        lo, hi = predicate_interval(op, threshold, RANGE_BITS)
        return Statement("range", lo, hi)
    if unit and pred.unit != unit:
        got = f"unit '{pred.unit}'" if pred.unit else "no unit"
        raise MalformedInput(f"{where}: {got} does not match {pred.attribute}'s unit '{unit}'")
    if pred.unit and pred.unit != unit:
        raise MalformedInput(f"{where}: unit '{pred.unit}' does not match {pred.attribute}, which has no unit")
    if pred.op in ("<", "<=", ">", ">=", "between") and kind not in NUMERIC:
        raise MalformedInput(f"{where}: {pred.attribute} is a {kind}; order predicates need a number or a date")
    bounds = [_bound(kind, v, scale, system, where) for v in pred.values]
    if pred.op == "between":
        if bounds[0] > bounds[1]:
            raise MalformedInput(f"{where}: empty interval")
        return Statement("range", bounds[0], bounds[1])
    if pred.op in ("<", "<=", ">", ">="):
        lo, hi = predicate_interval(pred.op, bounds[0], RANGE_BITS)
        return Statement("range", lo, hi)
    if pred.op == "=" or len(bounds) == 1:
        return Statement("eq", values=(bounds[0],))
    return Statement("set", values=tuple(bounds))


# ------------------------------------------------------------------ proofs


def prove_statement(
    params: PedersenParams, stmt: Statement, commitment: Element, value: int, blinding: int, *, context: bytes
) -> bytes:
    """The proof bytes for ``stmt`` (ProvingError when the value does not satisfy it)."""
    g = params.group
    if not stmt.holds(value, g.order):
        raise ProvingError("the value does not satisfy the predicate")
    if stmt.kind == "range":
        return prove_interval(params, commitment, stmt.lo, stmt.hi, value, blinding, context=context).to_bytes()
    if stmt.kind == "eq":
        d = g.sub(commitment, params.g_base.mul(stmt.values[0] % g.order))
        return prove_dlog(g, d, blinding, base=params.h, context=context).to_bytes()
    return prove_membership(params, commitment, list(stmt.values), value, blinding, context=context).to_bytes()


def range_batch_entry(
    params: PedersenParams, stmt: Statement, commitment: Element, proof: bytes, *, context: bytes
) -> BatchEntry:
    """The batch entry of a range statement's proof (VerificationError when the proof does not decode)."""
    try:
        n, m = interval_layout(stmt.lo, stmt.hi)
        rp = RangeProof.from_bytes(params.group, proof, n=n, m=m)
        return interval_batch_entry(params, commitment, stmt.lo, stmt.hi, rp, context=context)
    except MalformedInput as exc:
        raise VerificationError(f"malformed predicate proof: {exc.message}") from None


def verify_ranges(params: PedersenParams, entries: list[BatchEntry]) -> list[VerificationError | None]:
    """Verify range proofs in one batch (one MSM); when the batch fails, each on its own: per-entry results."""
    if not entries:
        return []
    try:
        batch_verify(params, entries)
        return [None] * len(entries)
    except VerificationError:
        results: list[VerificationError | None] = []
        for e in entries:
            try:
                batch_verify(params, [e])
                results.append(None)
            except VerificationError as exc:
                results.append(exc)
        return results


def verify_statement(
    params: PedersenParams, stmt: Statement, commitment: Element, proof: bytes, *, context: bytes
) -> None:
    """None or VerificationError (a malformed proof is a VerificationError too)."""
    g = params.group
    try:
        if stmt.kind == "range":
            n, m = interval_layout(stmt.lo, stmt.hi)
            rp = RangeProof.from_bytes(g, proof, n=n, m=m)
            verify_interval(params, commitment, stmt.lo, stmt.hi, rp, context=context)
        elif stmt.kind == "eq":
            d = g.sub(commitment, params.g_base.mul(stmt.values[0] % g.order))
            if g.is_identity(d):
                raise VerificationError("equality proof: degenerate commitment")
            verify_dlog(g, d, DlogProof.from_bytes(g, proof), base=params.h, context=context)
        else:
            mp = MembershipProof.from_bytes(g, proof, len(stmt.values))
            verify_membership(params, commitment, list(stmt.values), mp, context=context)
    except MalformedInput as exc:
        raise VerificationError(f"malformed predicate proof: {exc.message}") from None


def known_policies() -> list[str]:
    return list(POLICIES)
