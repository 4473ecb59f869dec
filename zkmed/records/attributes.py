"""Named attributes of a FHIR bundle and their encoding as integers (``docs/records.md`` §Attributes).

=============================  =========  ===============================================
name                           kind       value
=============================  =========  ===============================================
``Patient.birthDate``          date       day number since 1970-01-01
``Patient.gender``             code       system ``http://hl7.org/fhir/administrative-gender``
``Patient.deceased``           boolean    0 or 1 (``deceasedBoolean`` / ``deceasedDateTime``)
``Patient.name.given``         string     given names joined by one space (UTF-8 as in the source)
``Patient.name.family``        string     family name
``Observation[CODE].value``    decimal,   the **latest** result with LOINC ``CODE`` (by effective
                               int, code, time), panel components included; a quantity keeps its
                               string,    UCUM unit and a fixed-point scale per code (:data:`SCALES`,
                               boolean    default 2 decimals, ROUND_HALF_UP)
``Observation[CODE].date``     date       the day (UTC) of that latest result
``Condition.code``             code       one entry per distinct SNOMED CT code (active and resolved)
``Condition[CODE].status``     code       latest clinical status of that condition
=============================  =========  ===============================================

Integers (int, date, decimal, boolean) must satisfy ``|v| < 2^30`` (the range
predicates use 32-bit windows); codes and strings are hashed to scalars with
their code system (:func:`code_scalar`, :func:`string_scalar`).  A valid FHIR
value that does not fit (out of range, a string over 4096 characters, text
that is not valid Unicode) is left out of the credential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from zkmed.encoding import utf8_encode
from zkmed.errors import MalformedInput
from zkmed.records.fhir import FhirBundle

__all__ = [
    "KINDS", "MAX_ABS", "SCALES", "Attribute", "code_scalar", "date_to_day", "day_to_date", "decimal_to_int",
    "extract_attributes", "int_to_decimal_text", "string_scalar", "value_from_text",
]  # fmt: skip

KINDS = ("int", "date", "decimal", "boolean", "code", "string")
NUMERIC = ("int", "date", "decimal", "boolean")
MAX_ABS = 1 << 30
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
GENDER = "http://hl7.org/fhir/administrative-gender"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
EPOCH = dt.date(1970, 1, 1)
DEFAULT_SCALE = 2
#: decimal places kept per LOINC code (values rounded ROUND_HALF_UP at this scale)
SCALES: dict[str, int] = {
    "4548-4": 1,  # HbA1c, %
    "29463-7": 1,  # body weight, kg
    "8302-2": 1,  # body height, cm
    "39156-5": 1,  # BMI, kg/m2
    "8480-6": 0,  # systolic blood pressure, mm[Hg]
    "8462-4": 0,  # diastolic blood pressure, mm[Hg]
    "2339-0": 0,  # glucose, mg/dL
    "2093-3": 0,  # total cholesterol, mg/dL
    "2571-8": 0,  # triglycerides, mg/dL
    "18262-6": 0,  # LDL, mg/dL
    "2085-9": 0,  # HDL, mg/dL
    "8867-4": 0,  # heart rate, /min
    "9279-1": 0,  # respiratory rate, /min
}
ATTRIBUTE_NAME = _NAME = re.compile(r"^(Patient\.[A-Za-z.]+|Observation\[[0-9A-Za-z.-]{1,32}\]\.(?:value|date)|Condition\.code|"
                   r"Condition\[[0-9]{1,32}\]\.status)$")  # fmt: skip
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_DECIMAL = re.compile(r"^-?[0-9]{1,12}(\.[0-9]{1,20})?$")


@dataclass(frozen=True)
class Attribute:
    """One attribute: its public description (name, kind, unit, scale, system) and its value."""

    name: str
    kind: str
    text: str = field(repr=False)  # the value as a person reads it: "1990-05-01", "6.2", "44054006", "Zoë"
    unit: str = ""
    scale: int = 0
    system: str = ""

    @property
    def scalar(self) -> int:
        """The integer the commitment hides (reduced mod q by the commitment)."""
        return value_from_text(self.kind, self.text, scale=self.scale, system=self.system)

    def describe(self) -> dict[str, Any]:
        """The public description (what a presentation discloses about an attribute it uses)."""
        return {"name": self.name, "kind": self.kind, "unit": self.unit, "scale": self.scale, "system": self.system}


def check_description(obj: Any, where: str) -> tuple[str, str, str, int, str]:
    """Validate ``{name, kind, unit, scale, system}`` (MalformedInput naming ``where``)."""
    if not isinstance(obj, dict):
        raise MalformedInput(f"{where}: expected an object")
    name, kind, unit, scale, system = (obj.get(k) for k in ("name", "kind", "unit", "scale", "system"))
    if not isinstance(name, str) or not _NAME.match(name):
        raise MalformedInput(f"{where}: invalid attribute name {str(name)[:60]!r}")
    if kind not in KINDS:
        raise MalformedInput(f"{where}: unknown kind {str(kind)[:20]!r}")
    if not isinstance(unit, str) or len(unit) > 64 or not isinstance(system, str) or len(system) > 256:
        raise MalformedInput(f"{where}: unit and system must be short strings")
    if not isinstance(scale, int) or isinstance(scale, bool) or not 0 <= scale <= 8:
        raise MalformedInput(f"{where}: scale must be an integer in [0, 8]")
    if (scale and kind != "decimal") or (unit and kind not in ("decimal", "int")):
        raise MalformedInput(f"{where}: a scale belongs to a decimal, a unit to a quantity")
    return name, str(kind), unit, scale, system


# ------------------------------------------------------------------ encodings


def _wide_hash(tag: bytes, *parts: bytes) -> int:
    h = hashlib.sha512(tag)
    for part in parts:
        h.update(len(part).to_bytes(4, "big") + part)
    return int.from_bytes(h.digest(), "big")


def code_scalar(system: str, code: str) -> int:
    """A coded value as an integer: SHA-512(tag, system, code) (the commitment reduces it mod q)."""
    return _wide_hash(b"zkmed.records.code.v1", utf8_encode(system, what="code system"), utf8_encode(code, what="code"))


def string_scalar(text: str) -> int:
    """A string as an integer: SHA-512(tag, UTF-8 bytes exactly as in the source, no normalisation)."""
    return _wide_hash(b"zkmed.records.string.v1", utf8_encode(text, what="string value"))


def date_to_day(text: str, where: str = "date") -> int:
    m = _DATE.match(text) if isinstance(text, str) else None
    if m is None:
        raise MalformedInput(f"{where}: expected a full date YYYY-MM-DD, got {str(text)[:40]!r}")
    try:
        return (dt.date(int(m[1]), int(m[2]), int(m[3])) - EPOCH).days
    except ValueError:
        raise MalformedInput(f"{where}: {text!r} is not a calendar date") from None


def day_to_date(day: int) -> str:
    return (EPOCH + dt.timedelta(days=day)).isoformat()


def decimal_to_int(value: Decimal, scale: int, where: str) -> int:
    """``round_half_up(value · 10^scale)`` with ``|result| < 2^30``."""
    try:
        scaled = (value * (Decimal(10) ** scale)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        result = int(scaled)
    except (InvalidOperation, ValueError, OverflowError):
        raise MalformedInput(f"{where}: not a finite decimal") from None
    if not -MAX_ABS < result < MAX_ABS:
        raise MalformedInput(f"{where}: {value} is out of range (|v·10^{scale}| < 2^30)")
    return result


def int_to_decimal_text(value: int, scale: int) -> str:
    """Canonical text of a fixed-point integer: exactly ``scale`` decimals (``62, 1 → "6.2"``)."""
    if scale == 0:
        return str(value)
    sign = "-" if value < 0 else ""
    digits = str(abs(value)).rjust(scale + 1, "0")
    return f"{sign}{digits[:-scale]}.{digits[-scale:]}"


def parse_decimal(text: str, where: str) -> Decimal:
    if not isinstance(text, str) or not _DECIMAL.match(text):
        raise MalformedInput(f"{where}: expected a decimal number, got {str(text)[:40]!r}")
    return Decimal(text)


def value_from_text(kind: str, text: str, *, scale: int = 0, system: str = "") -> int:
    """The integer of a canonical value text (what a verifier recomputes from a revealed value)."""
    if not isinstance(text, str) or len(text) > 4096:
        raise MalformedInput("attribute value must be a string of at most 4096 characters")
    if kind == "code":
        return code_scalar(system, text)
    if kind == "string":
        return string_scalar(text)
    if kind == "date":
        return date_to_day(text)
    if kind == "boolean":
        if text not in ("true", "false"):
            raise MalformedInput(f"a boolean is 'true' or 'false', got {text[:20]!r}")
        return int(text == "true")
    value = decimal_to_int(parse_decimal(text, "value"), scale if kind == "decimal" else 0, "value")
    if int_to_decimal_text(value, scale if kind == "decimal" else 0) != text:
        raise MalformedInput(f"value {text[:40]!r} is not in canonical form (scale {scale})")
    return value


def _numeric(kind: str, text: str, scale: int) -> int:
    """The plain integer of a numeric attribute (day number, fixed-point value, 0/1)."""
    return value_from_text(kind, text, scale=scale)


# ------------------------------------------------------------------ extraction


def _time_key(resource: dict[str, Any]) -> str:
    """A sortable effective time: ``effectiveDateTime`` / ``effectivePeriod.start`` / ``issued``, in UTC."""
    raw = resource.get("effectiveDateTime") or (resource.get("effectivePeriod") or {}).get("start")
    raw = raw or resource.get("effectiveInstant") or resource.get("issued") or ""
    if not isinstance(raw, str):
        return ""
    try:
        when = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return raw  # a partial date ("2019-05"): compared as text
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when.isoformat()


def _coding(concept: Any, system: str | None = None) -> tuple[str, str] | None:
    for coding in (concept or {}).get("coding") or [] if isinstance(concept, dict) else []:
        if isinstance(coding, dict) and isinstance(coding.get("code"), str):
            if system is None or coding.get("system") == system:
                return str(coding.get("system") or ""), coding["code"]
    return None


def _value_attribute(name: str, code: str, holder: dict[str, Any], where: str) -> Attribute | None:
    """The attribute of an Observation (or component) value ``value[x]``; None when it has none we encode."""
    if isinstance(holder.get("valueQuantity"), dict):
        q = holder["valueQuantity"]
        value = q.get("value")
        if not isinstance(value, (Decimal, int)) or isinstance(value, bool):
            return None
        unit = q.get("code") if q.get("system") == UCUM and isinstance(q.get("code"), str) else q.get("unit")
        scale = SCALES.get(code, DEFAULT_SCALE)
        try:
            fixed = decimal_to_int(Decimal(value), scale, f"{where}.valueQuantity.value")
        except MalformedInput:
            return None  # out of the encoding's range: left out
        return Attribute(name, "decimal", int_to_decimal_text(fixed, scale), str(unit or ""), scale)
    if isinstance(holder.get("valueInteger"), int) and not isinstance(holder.get("valueInteger"), bool):
        v = holder["valueInteger"]
        return Attribute(name, "int", str(v)) if -MAX_ABS < v < MAX_ABS else None
    if isinstance(holder.get("valueBoolean"), bool):
        return Attribute(name, "boolean", "true" if holder["valueBoolean"] else "false")
    coded = _coding(holder.get("valueCodeableConcept"))
    if coded is not None:
        return Attribute(name, "code", coded[1], system=coded[0])
    if isinstance(holder.get("valueString"), str):
        return Attribute(name, "string", holder["valueString"])
    return None


def _patient(bundle: FhirBundle) -> list[Attribute]:
    patients = list(bundle.resources("Patient"))
    if len(patients) != 1:
        raise MalformedInput(f"the bundle must hold exactly one Patient, found {len(patients)}")
    i, p = patients[0]
    out: list[Attribute] = []
    birth = p.get("birthDate")
    if isinstance(birth, str) and _DATE.match(birth):
        date_to_day(birth, f"Bundle.entry[{i}] (Patient).birthDate")
        out.append(Attribute("Patient.birthDate", "date", birth))
    if isinstance(p.get("gender"), str):
        out.append(Attribute("Patient.gender", "code", p["gender"], system=GENDER))
    deceased = isinstance(p.get("deceasedDateTime"), str) or p.get("deceasedBoolean") is True
    out.append(Attribute("Patient.deceased", "boolean", "true" if deceased else "false"))
    names = [n for n in p.get("name") or [] if isinstance(n, dict)]
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if official is not None:
        given = [g for g in official.get("given") or [] if isinstance(g, str)]
        if given:
            out.append(Attribute("Patient.name.given", "string", " ".join(given)))
        if isinstance(official.get("family"), str):
            out.append(Attribute("Patient.name.family", "string", official["family"]))
    return out


def _observations(bundle: FhirBundle) -> list[Attribute]:
    latest: dict[str, tuple[tuple[str, int], Attribute]] = {}  # code -> (time key, value attribute)
    for i, obs in bundle.resources("Observation"):
        if obs.get("status") in ("entered-in-error", "cancelled"):
            continue
        key = (_time_key(obs), i)
        where = f"Bundle.entry[{i}] (Observation/{str(obs.get('id', '?'))[:64]})"
        parts: list[tuple[dict[str, Any], str]] = [(obs, where)]
        parts += [
            (c, f"{where}.component[{j}]") for j, c in enumerate(obs.get("component") or []) if isinstance(c, dict)
        ]
        for holder, at in parts:
            coded = _coding(holder.get("code"), LOINC)
            if coded is None:
                continue
            code = coded[1]
            attr = _value_attribute(f"Observation[{code}].value", code, holder, at)
            if attr is not None and _NAME.match(attr.name) and (code not in latest or latest[code][0] <= key):
                latest[code] = (key, attr)
    out: list[Attribute] = []
    for code in sorted(latest):
        (when, _), attr = latest[code]
        out.append(attr)
        if _DATE.match(when[:10]) and (len(when) == 10 or when[10] == "T"):  # the result's day (UTC)
            out.append(Attribute(f"Observation[{code}].date", "date", when[:10]))
    return out


def _conditions(bundle: FhirBundle) -> list[Attribute]:
    status: dict[str, tuple[tuple[str, int], str]] = {}
    for i, cond in bundle.resources("Condition"):
        coded = _coding(cond.get("code"), SNOMED)
        if coded is None or not re.fullmatch(r"[0-9]{1,32}", coded[1]):
            continue
        clinical = _coding(cond.get("clinicalStatus"))
        raw = cond.get("recordedDate") or cond.get("onsetDateTime") or ""
        key = (raw if isinstance(raw, str) else "", i)
        if coded[1] not in status or status[coded[1]][0] <= key:
            status[coded[1]] = (key, clinical[1] if clinical else "unknown")
    out: list[Attribute] = []
    for code in sorted(status, key=int):
        out.append(Attribute("Condition.code", "code", code, system=SNOMED))
        out.append(Attribute(f"Condition[{code}].status", "code", status[code][1], system=CLINICAL))
    return out


def extract_attributes(bundle: FhirBundle) -> list[Attribute]:
    """Every attribute of the bundle's patient (order: Patient, Observations by code, Conditions by code)."""
    return [a for a in _patient(bundle) + _observations(bundle) + _conditions(bundle) if _encodes(a)]


def _encodes(attr: Attribute) -> bool:
    """Whether a (valid FHIR) value fits the encoding; one that does not is left out (docs/records.md)."""
    try:
        check_description(attr.describe(), attr.name)
        attr.scalar  # noqa: B018 - MalformedInput for a value that does not encode
    except MalformedInput:
        return False
    return True


def numeric_value(attr: Attribute) -> int:
    """The integer of a numeric attribute (MalformedInput for codes and strings)."""
    if attr.kind not in NUMERIC:
        raise MalformedInput(f"{attr.name} is a {attr.kind}, not a number")
    return _numeric(attr.kind, attr.text, attr.scale)


def names(attrs: Iterable[Attribute]) -> list[str]:
    seen: list[str] = []
    for a in attrs:
        if a.name not in seen:
            seen.append(a.name)
    return seen
