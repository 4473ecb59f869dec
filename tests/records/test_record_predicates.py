"""Predicate syntax and meaning: canonical texts, units, scales, ages — checked against plain Decimal arithmetic."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkmed.errors import MalformedInput
from zkmed.records.attributes import date_to_day, decimal_to_int
from zkmed.records.predicates import expand, minus_years, parse_predicate, resolve

HBA1C = {"name": "Observation[4548-4].value", "kind": "decimal", "unit": "%", "scale": 1, "system": ""}
BIRTH = {"name": "Patient.birthDate", "kind": "date", "unit": "", "scale": 0, "system": ""}
Q = 2**256 - 2**224 + 2**192 - 89188191075325143697187790127003391183  # any large modulus works for holds()


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Observation[4548-4].value<7.0 %", "Observation[4548-4].value < 7.0 %"),
        ("  age>=18 ", "age >= 18"),
        ("Condition.code in {44054006,15777000, 44054006}", "Condition.code in {44054006, 15777000}"),
        ('Patient.name.family == "Ñúñez Pérez"', 'Patient.name.family = "Ñúñez Pérez"'),
        ("Observation[8480-6].value between 90 and 140 mm[Hg]", "Observation[8480-6].value between 90 and 140 mm[Hg]"),
    ],
)
def test_canonical_texts(text, canonical):
    pred = parse_predicate(text)
    assert pred.text == canonical
    assert parse_predicate(pred.text) == pred


@pytest.mark.parametrize(
    "text",
    ["", "age >= -1", "age => 18", "Observation[4548-4].value", "Foo.bar < 3", "Condition.code in {}", "x" * 5000],
)
def test_bad_syntax(text):
    with pytest.raises(MalformedInput):
        parse_predicate(text)


def test_policies_expand():
    policies, preds = expand(["adult", "age >= 18", "hba1c-controlled"])
    assert policies == ["adult", "hba1c-controlled"]
    assert [p.text for p in preds] == ["age >= 18", "Observation[4548-4].value < 7.0 %"]
    with pytest.raises(MalformedInput, match="known"):
        expand(["teenager"])


_DECIMALS = st.decimals(min_value=Decimal("-999"), max_value=Decimal("999"), places=4)


@settings(max_examples=300)
@given(value=_DECIMALS, bound=st.decimals(min_value=Decimal("-99"), max_value=Decimal("99"), places=1),
       op=st.sampled_from(["<", "<=", ">", ">=", "="]))  # fmt: skip
def test_decimal_predicates_mean_what_decimal_arithmetic_says(value, bound, op):
    fixed = decimal_to_int(value, 1, "v")
    at_scale = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    stmt = resolve(parse_predicate(f"Observation[4548-4].value {op} {bound} %"), HBA1C, dt.date(2026, 1, 1))
    expected = {"<": at_scale < bound, "<=": at_scale <= bound, ">": at_scale > bound, ">=": at_scale >= bound,
                "=": at_scale == bound}[op]  # fmt: skip
    assert stmt.holds(fixed, Q) == expected


@settings(max_examples=300)
@given(birth=st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)), today=st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)),
       n=st.integers(0, 120), op=st.sampled_from(["<", "<=", ">", ">="]))  # fmt: skip
def test_age_predicates_are_exact(birth, today, n, op):
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    expected = {"<": age < n, "<=": age <= n, ">": age > n, ">=": age >= n}[op]
    stmt = resolve(parse_predicate(f"age {op} {n}"), BIRTH, today)
    assert stmt.holds(date_to_day(birth.isoformat()), Q) == expected


def test_minus_years_on_leap_days():
    assert minus_years(dt.date(2026, 3, 1), 18) == dt.date(2008, 3, 1)
    assert minus_years(dt.date(2028, 2, 29), 1) == dt.date(2027, 2, 28)


def test_units_and_scales():
    day = dt.date(2026, 1, 1)
    with pytest.raises(MalformedInput, match="unit 'mmol/mol'"):
        resolve(parse_predicate("Observation[4548-4].value < 53 mmol/mol"), HBA1C, day)
    with pytest.raises(MalformedInput, match="scale"):
        resolve(parse_predicate("Observation[4548-4].value < 6.95 %"), HBA1C, day)
    assert resolve(parse_predicate("Observation[4548-4].value < 7.00 %"), HBA1C, day).hi == 69
    with pytest.raises(MalformedInput, match="out of range"):
        resolve(parse_predicate("Observation[4548-4].value < 200000000 %"), HBA1C, day)
    with pytest.raises(MalformedInput, match="empty"):
        resolve(parse_predicate("Observation[4548-4].value between 7 and 6 %"), HBA1C, day)
