"""The medical-records part of the ``zkmed demo`` story.

A hospital issues two patients credentials over their FHIR R4 records (the bundled Synthea samples); each patient
grants a second hospital consent on the ledger; one patient presents predicates on hidden values (age >= 18,
HbA1c < 7.0 %, a diabetes diagnosis), which the second hospital verifies with the ledger (consent checked, access
audited); the other patient revokes the grant, and the same kind of presentation is then refused (and audited).
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from zkmed.cli.records import write_file
from zkmed.errors import MalformedInput, VerificationError
from zkmed.ledger import Ledger
from zkmed.records.access import list_access
from zkmed.records.consent import grant_consent, revoke_consent
from zkmed.records.credential import Credential, issue_credential
from zkmed.records.fhir import parse_bundle
from zkmed.records.keys import HolderKey, IssuerKey
from zkmed.records.presentation import present, verify_presentation
from zkmed.records.request import Request

#: the bundled Synthea samples (a source checkout, which `make demo` installs from in editable mode)
SAMPLES = Path(__file__).resolve().parents[2] / "tests" / "vectors" / "fhir-r4-synthea"
PATIENTS = (("estrella", "Estrella_Daugherty_"), ("cammy", "Cammy_Kreiger_"))
ISSUER_NAME = "hospital-a"  #: issues the credentials (its directory under the demo directory)
VERIFIER = "hospital-b.example"  #: the second hospital: the grantee and the presentation's audience
#: what the second hospital asks for: the gender revealed, three named policies proved on hidden values
REVEAL = ("Patient.gender",)
PROVE = {
    "estrella": ("adult", "hba1c-controlled", "diabetes-dx"),  # age >= 18, HbA1c < 7.0 %, SNOMED 44054006|46635009
    "cammy": ("adult", "hba1c-controlled"),  # prediabetes (15777000): no diabetes diagnosis to prove
}
#: the attributes a grant must name for those policies (with the revealed one)
GRANTED_ATTRIBUTES = ("Condition.code", "Observation[4548-4].value", "Patient.birthDate", "Patient.gender")
DAY_MS = 86_400_000


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class RecordsOutcome:
    """What the next commands need: the verifier's nonce and the presentation written for it."""

    presentation: Path
    nonce: str
    date: str
    issuer_pub: Path
    holders: dict[str, Path]


def _sample(prefix: str) -> bytes:
    found = sorted(SAMPLES.glob(f"{prefix}*.json"))
    if not found:
        raise MalformedInput(
            f"the FHIR sample {prefix}*.json is not in {SAMPLES} (the demo runs from a source checkout: `make demo`)"
        )
    return found[0].read_bytes()


def _ask_and_check(
    console: Console, led: Ledger, issuer: IssuerKey, name: str, cred: Credential, holder: HolderKey, out: Path
) -> str:
    """The second hospital's nonce, the patient's presentation (written to ``out``), verified with the ledger."""
    nonce = secrets.token_hex(8)
    request = Request(nonce=nonce, audience=VERIFIER, reveal=REVEAL, prove=PROVE[name])
    pres = present(cred, holder, request, date=today())
    write_file(out, pres.to_bytes(), "presentation")
    verify_presentation(pres.to_bytes(), issuer.public, nonce=nonce, audience=VERIFIER, ledger=led)
    return nonce


def run_records(console: Console, led: Ledger, root: Path) -> RecordsOutcome:
    t0 = time.perf_counter()
    issuer = IssuerKey.generate()
    issuer.save(root / ISSUER_NAME)
    creds: dict[str, tuple[Credential, HolderKey, Path]] = {}
    for name, prefix in PATIENTS:
        holder = HolderKey.generate()
        home = root / "patients" / name
        holder.save(home)
        bundle = parse_bundle(_sample(prefix))
        cred = issue_credential(bundle, issuer, holder.public, issued_at=led.clock())
        cred.save(home / "credential.json")
        creds[name] = (cred, holder, home)
        console.print(
            f"[green]✓[/] {ISSUER_NAME} issued [bold]{name}[/] a credential over her FHIR record: "
            f"{len(cred.entries)} attributes committed and signed [dim]({escape(str(home / 'credential.json'))})[/]"
        )
    console.print(f"  [dim]({time.perf_counter() - t0:.1f} s; secrets 0600 under {escape(str(root))})[/]")

    grants = {}
    now = led.clock()
    for name, (_, holder, _) in creds.items():
        grants[name] = grant_consent(
            led, holder, grantee=VERIFIER, end_ms=now + 30 * DAY_MS, issued_ms=now,
            attributes=GRANTED_ATTRIBUTES, policies=PROVE[name], purposes=("TREAT",),
        )  # fmt: skip
        console.print(
            f"[green]✓[/] {name} granted {VERIFIER} consent on the ledger for 30 days: "
            f"{', '.join(PROVE[name])} [dim](grant {grants[name].id[:16]}, entry {grants[name].seq})[/]"
        )

    t0 = time.perf_counter()
    cred, holder, home = creds["estrella"]
    nonce = _ask_and_check(console, led, issuer, "estrella", cred, holder, home / "presentation.json")
    console.print(
        f"[green]✓[/] estrella answered {VERIFIER}'s nonce: gender revealed, [bold]age >= 18, "
        f"HbA1c < 7.0 %, a type 2 diabetes diagnosis[/] proved on hidden values; verified with the ledger "
        f"(issuer, holder, proofs, active consent) and the access audited [dim]({time.perf_counter() - t0:.1f} s)[/]"
    )

    cred, holder, home = creds["cammy"]
    revoke_consent(led, holder, grants["cammy"].id)
    console.print(f"[green]✓[/] cammy revoked her grant {grants['cammy'].id[:16]} on the ledger")
    try:
        _ask_and_check(console, led, issuer, "cammy", cred, holder, home / "presentation.json")
    except VerificationError as exc:
        console.print(
            f"[green]✓[/] her next presentation to {VERIFIER} is refused: [dim]{escape(str(exc.diagnostic()))}[/]"
        )
    else:
        raise VerificationError("a presentation under a revoked consent grant was accepted")

    events = list_access(led)
    outcomes = [e.outcome for e in events]
    if outcomes != ["success", "denied"]:
        raise VerificationError(f"the access audit should hold one success and one denial, not {outcomes}")
    console.print(
        f"[green]✓[/] the access audit on the ledger: {len(events)} events (one success, one denial), "
        "attribute and policy names only, never a value"
    )
    issuer_pub = root / ISSUER_NAME / "issuer.pub"
    homes = {n: c[2] for n, c in creds.items()}
    return RecordsOutcome(homes["estrella"] / "presentation.json", nonce, today().isoformat(), issuer_pub, homes)
