"""``zkmed record …``: FHIR credentials, presentations with predicate proofs (and R2's consent, audit, sharing).

    zkmed record issuer-init ISSUER_DIR
    zkmed record holder-init HOLDER_DIR
    zkmed record issue BUNDLE.json --issuer ISSUER_DIR --holder HOLDER_DIR/holder.pub -o CRED
    zkmed record attributes CRED [--json]
    zkmed record present CRED --holder HOLDER_DIR --nonce N --audience A --reveal NAME --prove PREDICATE -o PRES
    zkmed record verify PRES --issuer ISSUER_DIR/issuer.pub --nonce N --audience A [--ledger BOARD] [--json]

Exit codes: 0 success, 2 verification failed, 4 malformed input (a wrong unit,
an unknown attribute name), 5 the holder refuses to prove (a false predicate,
an attribute the credential lacks).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from zkmed.canonical_json import canonical_json
from zkmed.cli import render
from zkmed.errors import MalformedInput, VerificationError
from zkmed.files import read_limited, write_atomic
from zkmed.records.credential import Credential, attributes_json, issue_credential, load_credential
from zkmed.records.fhir import MAX_BUNDLE_BYTES, parse_bundle
from zkmed.records.keys import HolderKey, IssuerKey, read_public_key
from zkmed.records.presentation import MAX_PRESENTATION_BYTES, evaluate_presentation, present
from zkmed.records.request import Request

FilePath = click.Path(path_type=Path)


def write_file(path: Path, data: bytes, what: str) -> None:
    """Write atomically (:mod:`zkmed.files`: temp file in the same directory, fsync, rename), mode 0600:
    a presentation holds the patient's revealed attributes, for the verifier only."""
    write_atomic(path, data, secret=True, what=f"the {what}", error=MalformedInput)


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise MalformedInput("--date must be YYYY-MM-DD") from None


def _credential(path: Path) -> Credential:
    return load_credential(read_limited(path, 8 << 20, "credential"), what=str(path))


@click.group()
def record() -> None:
    """Issue FHIR credentials, present and verify attributes and predicates.

    Example: zkmed record issuer-init hospital-a
    """


@record.command("issuer-init")
@click.argument("issuer_dir", type=FilePath)
def issuer_init(issuer_dir: Path) -> None:
    """Create an issuer key: ISSUER_DIR/issuer.key (secret, 0600) and ISSUER_DIR/issuer.pub.

    Example: zkmed record issuer-init hospital-a
    """
    key = IssuerKey.generate()
    key.save(issuer_dir)
    render.ok(f"issuer key {key.public.fingerprint}: {issuer_dir / 'issuer.pub'}")


@record.command("holder-init")
@click.argument("holder_dir", type=FilePath)
def holder_init(holder_dir: Path) -> None:
    """Create a holder (patient) key: HOLDER_DIR/holder.key (secret, 0600) and HOLDER_DIR/holder.pub.

    Example: zkmed record holder-init alice
    """
    key = HolderKey.generate()
    key.save(holder_dir)
    render.ok(f"holder key {key.public.fingerprint}: {holder_dir / 'holder.pub'}")


@record.command("issue")
@click.argument("bundle", type=FilePath)
@click.option("--issuer", "issuer_dir", type=FilePath, required=True, help="the issuer's key directory")
@click.option("--holder", "holder_pub", type=FilePath, required=True, help="the holder's holder.pub (or its directory)")
@click.option("-o", "--output", type=FilePath, required=True, help="the credential file to write (mode 0600)")
def issue(bundle: Path, issuer_dir: Path, holder_pub: Path, output: Path) -> None:
    """Issue a credential over a FHIR R4 bundle's patient to a holder key.

    Example: zkmed record issue bundle.json --issuer hospital-a --holder alice/holder.pub -o alice.cred
    """
    issuer = IssuerKey.load(issuer_dir)
    holder = read_public_key(holder_pub, "holder")
    parsed = parse_bundle(read_limited(bundle, MAX_BUNDLE_BYTES, "FHIR bundle"))
    cred = issue_credential(parsed, issuer, holder, issued_at=int(time.time() * 1000))
    cred.save(output)
    render.ok(f"credential with {len(cred.entries)} attributes for holder {holder.fingerprint}: {output}")


@record.command("attributes")
@click.argument("credential", type=FilePath)
@click.option("--json", "as_json", is_flag=True, help="print the zkmed.records.attributes JSON")
def attributes(credential: Path, as_json: bool) -> None:
    """List what the holder can reveal or prove about (the holder's own values).

    Example: zkmed record attributes alice.cred --json
    """
    cred = _credential(credential)
    doc = attributes_json(cred)
    if as_json:
        click.echo(canonical_json(doc).decode())
        return
    rows = [
        [a["name"], a["kind"], a["value"], a["unit"], a["scale"] if a["kind"] == "decimal" else ""]
        for a in doc["attributes"]
    ]
    render.table(f"credential from issuer {doc['issuer']}", ["attribute", "kind", "value", "unit", "scale"], rows)


@record.command("present")
@click.argument("credential", type=FilePath)
@click.option("--holder", "holder_dir", type=FilePath, required=True, help="the holder's key directory")
@click.option("--nonce", required=True, help="the verifier's nonce")
@click.option("--audience", required=True, help="the verifier (the grantee of a consent grant)")
@click.option("--reveal", multiple=True, help="an attribute to reveal (repeatable)")
@click.option("--prove", multiple=True, help="a predicate or a policy name (repeatable)")
@click.option("--date", "date", default=None, help="presentation date YYYY-MM-DD (default: today, UTC)")
@click.option("-o", "--output", type=FilePath, required=True, help="the presentation file to write")
def present_cmd(
    credential: Path, holder_dir: Path, nonce: str, audience: str, reveal: tuple[str, ...], prove: tuple[str, ...],
    date: str | None, output: Path,
) -> None:  # fmt: skip
    """Answer a verifier: reveal attributes, prove predicates on hidden ones.

    Example: zkmed record present alice.cred --holder alice --nonce n-42 --audience hospital-b --prove adult -o pres.json
    """
    request = Request(nonce, audience, reveal=reveal, prove=prove)
    cred = _credential(credential)
    holder = HolderKey.load(holder_dir)
    pres = present(cred, holder, request, date=_date(date))
    write_file(output, pres.to_bytes(), "presentation")
    render.ok(f"presentation: {len(request.reveal)} revealed, {len(request.predicates)} predicates proved: {output}")


@record.command("verify")
@click.argument("presentation", type=FilePath)
@click.option("--issuer", "issuer_pub", type=FilePath, required=True, help="the issuer's issuer.pub (or its directory)")
@click.option("--nonce", required=True, help="the nonce this verifier sent")
@click.option("--audience", required=True, help="this verifier")
@click.option("--ledger", "board", type=FilePath, default=None, help="require a consent grant; write an audit entry")
@click.option("--date", "date", default=None, help="today for the date check YYYY-MM-DD (default: today, UTC)")
@click.option("--json", "as_json", is_flag=True, help="print the zkmed.records.verify-report JSON")
def verify(
    presentation: Path, issuer_pub: Path, nonce: str, audience: str, board: Path | None, date: str | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Check a presentation; exit 0 only when everything holds (2 otherwise).

    Example: zkmed record verify pres.json --issuer hospital-a/issuer.pub --nonce n-42 --audience hospital-b --ledger board --json
    """
    issuer = read_public_key(issuer_pub, "issuer")
    data = read_limited(presentation, MAX_PRESENTATION_BYTES, "presentation")
    today = _date(date)
    ledger = None
    if board is not None:
        from zkmed.ledger import Ledger

        ledger = Ledger.open(board, signing=True)
    try:
        report = evaluate_presentation(data, issuer, nonce=nonce, audience=audience, today=today, ledger=ledger)
    finally:
        if ledger is not None:
            ledger.close()
    if as_json:
        click.echo(canonical_json(report.to_json()).decode())
    if report.error is not None:
        err = report.error
        raise err if isinstance(err, (VerificationError, MalformedInput)) else VerificationError(err.diagnostic())
    if not as_json:
        for r in report.revealed:
            render.ok(f"revealed {r['name']} = {r['value']}{' ' + r['unit'] if r['unit'] else ''}")
        for p in report.predicates:
            render.ok(f"proved {p['predicate']}")
        for p in report.policies:
            render.ok(f"policy {p['policy']}")
        if report.audit_index is not None:
            render.ok(f"consent grant {report.consent}; access recorded at ledger entry {report.audit_index}")
        render.ok("presentation verified")
