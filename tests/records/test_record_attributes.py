"""FHIR parsing and the attribute encoding: sources, latest results, units, scales, validation errors."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from records_support import ANTONIO, ESTRELLA, bundle_json, condition, observation

from zkmed.errors import MalformedInput
from zkmed.records.attributes import (
    code_scalar,
    date_to_day,
    decimal_to_int,
    extract_attributes,
    int_to_decimal_text,
    value_from_text,
)
from zkmed.records.fhir import parse_bundle


def _attrs(data: bytes) -> dict[str, list]:
    out: dict[str, list] = {}
    for a in extract_attributes(parse_bundle(data)):
        out.setdefault(a.name, []).append(a)
    return out


def test_synthea_sample_attributes():
    attrs = _attrs(ESTRELLA.read_bytes())
    assert attrs["Patient.birthDate"][0].text == "1969-08-23"
    assert attrs["Patient.gender"][0].text == "female"
    hba1c = attrs["Observation[4548-4].value"][0]
    assert (hba1c.text, hba1c.unit, hba1c.scale) == ("6.1", "%", 1)  # the latest of six results
    assert attrs["Observation[4548-4].date"][0].text == "2020-06-20"
    assert attrs["Observation[8480-6].value"][0].unit == "mm[Hg]"  # a blood-pressure panel component
    codes = {a.text for a in attrs["Condition.code"]}
    assert "44054006" in codes
    assert attrs["Condition[44054006].status"][0].text in ("active", "resolved")


def test_no_hba1c_for_young_patient():
    attrs = _attrs(ANTONIO.read_bytes())
    assert "Observation[4548-4].value" not in attrs
    assert attrs["Patient.birthDate"][0].text == "2000-10-22"


def test_decimals_come_from_the_source_text_and_round_half_up():
    data = bundle_json(
        resources=[
            observation("4548-4", Decimal("6.95"), "%", "2020-01-01T00:00:00+00:00"),
            observation("2339-0", Decimal("99.50000000000000001"), "mg/dL", "2020-01-01T00:00:00+00:00"),
            observation("29463-7", Decimal("70.04999999999999999"), "kg", "2020-01-01T00:00:00+00:00"),
        ]
    )
    attrs = _attrs(data)
    assert attrs["Observation[4548-4].value"][0].text == "7.0"  # 6.95 → 7.0 at scale 1 (half up)
    assert attrs["Observation[2339-0].value"][0].text == "100"  # float would give 99.5 → 100 too, but see kg
    assert attrs["Observation[29463-7].value"][0].text == "70.0"  # a float reads 70.05 and would round to 70.1


def test_latest_result_by_effective_time_not_order():
    data = bundle_json(
        resources=[
            observation("4548-4", Decimal("8.0"), "%", "2021-01-01T00:00:00+00:00", index=1),
            observation("4548-4", Decimal("6.0"), "%", "2020-12-31T23:00:00-05:00", index=2),  # = 2021-01-01T04:00Z
            observation("4548-4", Decimal("5.0"), "%", "2019-01-01T00:00:00+00:00", index=3),
        ]
    )
    attrs = _attrs(data)
    assert attrs["Observation[4548-4].value"][0].text == "6.0"
    assert attrs["Observation[4548-4].date"][0].text == "2021-01-01"  # the UTC day of 2020-12-31T23:00-05:00


def test_conditions_are_a_set_with_status():
    data = bundle_json(resources=[condition("44054006"), condition("15777000", "resolved"), condition("44054006")])
    attrs = _attrs(data)
    assert sorted(a.text for a in attrs["Condition.code"]) == ["15777000", "44054006"]
    assert attrs["Condition[15777000].status"][0].text == "resolved"


def test_non_ascii_names():
    attrs = _attrs(bundle_json(given="Zoë Åsa", family="Ñúñez-山田"))
    assert attrs["Patient.name.given"][0].text == "Zoë Åsa"
    assert attrs["Patient.name.family"][0].text == "Ñúñez-山田"


def test_validation_errors_name_resource_and_field():
    doc = json.loads(bundle_json(resources=[observation("4548-4", Decimal("6.1"), "%", "2020-01-01T00:00:00+00:00")]))
    doc["entry"][0]["resource"]["birthDate"] = "1990-13-45"
    with pytest.raises(MalformedInput, match=r"entry\[0\]\.resource \(Patient/p1\)\.birthDate"):
        parse_bundle(json.dumps(doc).encode())
    doc = json.loads(bundle_json(resources=[observation("4548-4", Decimal("6.1"), "%", "2020-01-01T00:00:00+00:00")]))
    doc["entry"][1]["resource"]["status"] = 7
    with pytest.raises(MalformedInput, match=r"Observation/obs-4548-4-0\)\.status"):
        parse_bundle(json.dumps(doc).encode())


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"[]",
        b'{"resourceType": "Patient"}',
        b"\xff",
        b'{"resourceType":"Bundle","a":1,"a":2}',
        b"[" * 100,
        b'{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Nobservation"}}]}',
    ],
)
def test_malformed_bundles(data):
    with pytest.raises(MalformedInput):
        parse_bundle(data)


def test_encodings():
    assert date_to_day("1970-01-02") == 1 and date_to_day("1969-12-31") == -1
    assert decimal_to_int(Decimal("-1.25"), 1, "x") == -13  # half up: away from zero
    assert int_to_decimal_text(-5, 2) == "-0.05" and int_to_decimal_text(70, 1) == "7.0"
    assert value_from_text("decimal", "7.0", scale=1) == 70
    with pytest.raises(MalformedInput, match="canonical"):
        value_from_text("decimal", "7.00", scale=1)
    assert code_scalar("http://snomed.info/sct", "1") != code_scalar("http://loinc.org", "1")
    with pytest.raises(MalformedInput):
        decimal_to_int(Decimal("1e40"), 0, "x")


@pytest.mark.slow
def test_a_bundle_of_a_few_megabytes():
    import copy
    import time

    doc = json.loads(ESTRELLA.read_bytes())
    extra = []
    for k in range(6):
        for e in doc["entry"]:
            if e["resource"]["resourceType"] != "Patient":
                e2 = copy.deepcopy(e)
                e2["fullUrl"] += f"-{k}"
                e2["resource"]["id"] += f"-{k}"
                extra.append(e2)
    doc["entry"] += extra
    data = json.dumps(doc, indent=1).encode()
    assert len(data) > 3_000_000
    t0 = time.perf_counter()
    attrs = _attrs(data)
    assert time.perf_counter() - t0 < 30
    assert attrs["Observation[4548-4].value"][0].text == "6.1"


def test_values_outside_the_encoding_are_left_out():
    data = bundle_json(
        given="A" * 5000,
        resources=[
            observation("777-3", Decimal("12345678901"), "10*3/uL", "2020-01-01T00:00:00Z"),
            observation("4548-4", Decimal("6.1"), "%", "2020-01-01T00:00:00Z"),
        ],
    )
    attrs = _attrs(data)
    assert "Observation[777-3].value" not in attrs and "Patient.name.given" not in attrs
    assert attrs["Observation[4548-4].value"][0].text == "6.1"
