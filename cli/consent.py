"""``zkmed consent grant|revoke|list`` and ``zkmed record audit|hpke-init|share|open``: consent, audit, sharing.

Thin commands over :mod:`zkmed.records.consent`, :mod:`zkmed.records.access`
and :mod:`zkmed.records.sharing` (``docs/consent.md``).  ``BOARD`` is a ledger
directory; commands that append (grant, revoke, share, open) open it with its
keys.  Output files are written atomically; their temporary file is created before
the ledger changes, and nothing is left behind when the command fails.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click
from rich.text import Text

from zkmed.canonical_json import canonical_json
from zkmed.cli import render
from zkmed.cli.conventions import ledger_argument
from zkmed.cli.records import record
from zkmed.errors import MalformedInput
from zkmed.files import AtomicFile, read_limited
from zkmed.ledger.ledger import Ledger
from zkmed.records import board as rboard
from zkmed.records.access import access_list_json, list_access
from zkmed.records.consent import (
    DENY,
    PERMIT,
    PURPOSES,
    GrantState,
    consent_list_json,
    find_grant,
    grant_consent,
    list_grants,
    revoke_consent,
)
from zkmed.records.hpke_keys import HpkeKey, HpkePublicKey
from zkmed.records.keys import HolderKey, PublicKey, read_public_key
from zkmed.records.sharing import MAX_RECORD, SharedRecord, open_record, share_record, share_report

DirPath = click.Path(path_type=Path)  # checked by the library: LedgerError / MalformedInput, not a usage error
FilePath = click.Path(path_type=Path)
_DURATION = re.compile(r"\+?(\d{1,6})([mhdwy])")
_UNIT_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000, "y": 365 * 86_400_000}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z")


def _when(text: str, now_ms: int, option: str) -> int:
    """A time: a duration from now (``30d``, ``12h``, ``90m``, ``2w``, ``1y``) or a UTC date / date-time."""
    m = _DURATION.fullmatch(text)
    if m is not None:
        return rboard.check_ms(now_ms + int(m.group(1)) * _UNIT_MS[m.group(2)], option)
    try:
        if _DATE.fullmatch(text):
            return rboard.parse_instant(text + "T00:00:00.000Z", option)
        if _DATETIME.fullmatch(text):
            when = dt.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.UTC)
            frac = text[20:-1] if "." in text else ""
            return rboard.check_ms(int(when.timestamp()) * 1000 + int((frac + "000")[:3]), option)
    except ValueError as exc:
        raise MalformedInput(f"{option}: {exc}") from None
    raise MalformedInput(
        f"{option}: expected a duration (30d, 12h, 90m, 2w, 1y) or a UTC date or time (2027-01-31, 2027-01-31T12:00:00Z)"
    )


def _Output(path: Path, secret: bool = False) -> AtomicFile:
    """An output file whose temporary file is created before the work that fills it (:mod:`zkmed.files`):
    an unwritable path fails before the ledger changes; a failure leaves nothing behind."""
    return AtomicFile(path, secret=secret, what="the output file", error=MalformedInput)


def _echo_json(doc: dict) -> None:
    click.echo(canonical_json(doc).decode("utf-8"))


def _patient(path: Path | None) -> PublicKey | None:
    return None if path is None else read_public_key(path, "holder")


def _line(text: str, style: str = "") -> None:
    """One line of output; user text is printed as is (no markup), control characters escaped."""
    render.console.print(Text(render.one_line(text), style=style), highlight=False, soft_wrap=True)


def _show(states: list[GrantState], at_ms: int) -> None:
    _line(f"{len(states)} consent grant(s) at {_day(at_ms)}", "bold")
    for s in states:
        g = s.grant
        covers = [*g.attributes, *(f"policy {p}" for p in g.policies), *(["the full record"] if g.full_record else [])]
        kind = "" if g.provision == PERMIT else " DENY"
        _line(f"{g.id[:16]}  {s.state}{kind}  to {g.grantee}  until {_day(g.end_ms)}  for {','.join(g.purposes)}")
        _line(f"    patient {g.patient.fingerprint}  covers {', '.join(covers)}")


def _day(ms: int) -> str:
    return rboard.instant(ms)[:19].replace("T", " ") + "Z"


@click.group()
def consent() -> None:
    """Patient consent on the ledger: grant, revoke and list (FHIR R4 Consent-shaped, signed by the holder key).

    Example: zkmed consent list board --json
    """


@consent.command()
@ledger_argument()
@click.option("--holder", "holder_dir", type=DirPath, required=True, help="the patient's HOLDER_DIR (holder.key)")
@click.option("--grantee", required=True, help="who may access: the presentation audience")
@click.option("--attribute", "attributes", multiple=True, help="an attribute name (repeatable)")
@click.option("--policy", "policies", multiple=True, help="a named policy (repeatable; see 'zkmed circuits list')")
@click.option("--full-record", is_flag=True, help="the whole record (for 'record share'; needs --recipient)")
@click.option("--recipient", type=FilePath, help="the grantee's hpke.pub (or its directory) for --full-record")
@click.option("--purpose", "purposes", multiple=True, help="purpose of use, HL7 ActReason (repeatable; TREAT)")
@click.option("--expires", required=True, help="30d, 12h, 2w, 1y from now, or a UTC date / time")
@click.option("--starts", help="when the grant becomes valid (default: now)")
@click.option("--deny", is_flag=True, help="a deny provision: refuse the grantee what it names")
@click.option("--json", "as_json", is_flag=True, help="print the grant as JSON")
def grant(
    board: Path,
    holder_dir: Path,
    grantee: str,
    attributes: tuple[str, ...],
    policies: tuple[str, ...],
    full_record: bool,
    recipient: Path | None,
    purposes: tuple[str, ...],
    expires: str,
    starts: str | None,
    deny: bool,
    as_json: bool,
) -> None:
    """Sign a consent grant with the holder key and append it to BOARD.

    Example: zkmed consent grant board --holder alice --grantee hospital-b --policy adult --expires 30d
    """
    holder = HolderKey.load(holder_dir)
    key = HpkePublicKey.read(recipient) if recipient is not None else None
    unknown = [p for p in purposes if p not in PURPOSES]
    if unknown:
        raise MalformedInput(f"--purpose {unknown[0][:20]!r}: one of {', '.join(PURPOSES)}")
    if full_record and key is None and not deny:
        raise MalformedInput("--full-record needs --recipient (the grantee's hpke.pub the record is encrypted to)")
    with Ledger.open(board, signing=True) as led:
        now = led.clock()
        terms = {
            "grantee": grantee,
            "attributes": attributes,
            "policies": policies,
            "purposes": purposes or ("TREAT",),
            "full_record": full_record,
            "recipient": key.raw if key is not None else None,
            "provision": DENY if deny else PERMIT,
            "end_ms": _when(expires, now, "--expires"),
            "start_ms": _when(starts, now, "--starts") if starts is not None else now,
            "issued_ms": now,
        }
        g = grant_consent(led, holder, **terms)
        state = [s for s in list_grants(led, at_ms=now) if s.grant.id == g.id]
    if as_json:
        _echo_json(consent_list_json(state, now))
        return
    render.ok(f"consent {g.provision} granted: {g.id}")
    render.console.print(f"  to {g.grantee}, until {rboard.instant(g.end_ms)} (ledger entry {g.seq})", highlight=False)


@consent.command()
@ledger_argument()
@click.argument("grant_id")
@click.option("--holder", "holder_dir", type=DirPath, required=True, help="the patient's HOLDER_DIR (holder.key)")
@click.option("--json", "as_json", is_flag=True, help="print the revoked grant as JSON")
def revoke(board: Path, grant_id: str, holder_dir: Path, as_json: bool) -> None:
    """Revoke the holder's grant GRANT_ID (the id or a unique prefix of 8+ hex digits) on BOARD.

    \b
    Example: zkmed consent revoke board 3f2a9c1e --holder alice
    Example: ZKMED_LEDGER=board zkmed consent revoke 3f2a9c1e --holder alice
    """
    holder = HolderKey.load(holder_dir)
    with Ledger.open(board, signing=True) as led:
        r = revoke_consent(led, holder, grant_id)
        state = [s for s in list_grants(led, at_ms=r.revoked_ms) if s.grant.id == r.grant_id]
    if as_json:
        _echo_json(consent_list_json(state, r.revoked_ms))
        return
    render.ok(f"consent revoked: {r.grant_id} (ledger entry {r.seq})")


@consent.command(name="list")
@ledger_argument()
@click.option("--patient", type=FilePath, help="only this patient's grants: holder.pub (or its HOLDER_DIR)")
@click.option("--grantee", help="only grants to this grantee")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def list_(board: Path, patient: Path | None, grantee: str | None, as_json: bool) -> None:
    """List the consent grants on BOARD with their state now (active, expired, revoked, …).

    Example: zkmed consent list board --patient alice/holder.pub --json
    """
    who = _patient(patient)
    if grantee is not None:
        rboard.check_grantee(grantee)
    with Ledger.open(board) as led:
        now = led.clock()
        states = list_grants(led, at_ms=now, patient=who, grantee=grantee)
    if as_json:
        _echo_json(consent_list_json(states, now))
    else:
        _show(states, now)


@record.command()
@ledger_argument()
@click.option("--patient", type=FilePath, help="only this patient's record: holder.pub (or its HOLDER_DIR)")
@click.option("--grantee", help="only accesses by this grantee")
@click.option("--json", "as_json", is_flag=True, help="print JSON (FHIR AuditEvent-shaped entries)")
def audit(board: Path, patient: Path | None, grantee: str | None, as_json: bool) -> None:
    """List who accessed what (policies and attribute names, never values) from BOARD's access-audit entries.

    Example: zkmed record audit board --grantee hospital-b --json
    """
    who = _patient(patient)
    if grantee is not None:
        rboard.check_grantee(grantee)
    with Ledger.open(board) as led:
        events = list_access(led, patient=who, grantee=grantee)
    if as_json:
        _echo_json(access_list_json(events))
        return
    _line(f"{len(events)} access(es)", "bold")
    for e in events:
        what = [*(f"policy {p}" for p in e.policies), *e.attributes] or (
            ["the full record"] if e.action == "open" else []
        )
        _line(f"#{e.seq}  {_day(e.at_ms)}  {e.grantee}  {e.action}  {e.outcome}  patient {e.patient}")
        _line(f"    {', '.join(what)}" + (f"  (grant {e.grant[:16]})" if e.grant else ""))


@record.command(name="hpke-init")
@click.argument("directory", type=DirPath)
def hpke_init(directory: Path) -> None:
    """Create a grantee's HPKE key pair: DIRECTORY/hpke.key (0600) and DIRECTORY/hpke.pub.

    Example: zkmed record hpke-init hospital-b
    """
    key = HpkeKey.generate()
    secret = key.save(directory)
    render.ok(f"HPKE key {key.public.fingerprint}: SECRET {secret} (mode 0600), public {directory / 'hpke.pub'}")


@record.command()
@ledger_argument()
@click.argument("bundle", type=FilePath)
@click.option("--holder", "holder_dir", type=DirPath, required=True, help="the patient's HOLDER_DIR (holder.key)")
@click.option("--grant", "grant_id", required=True, help="the full-record consent grant (id or unique prefix)")
@click.option("--output", "-o", type=FilePath, required=True, help="where to write the encrypted record")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def share(board: Path, bundle: Path, holder_dir: Path, grant_id: str, output: Path, as_json: bool) -> None:
    """Encrypt BUNDLE to the grantee of a full-record grant (HPKE); anchor its digest on BOARD.

    Example: zkmed record share board bundle.json --holder alice --grant 3f2a9c1e -o record.shared
    """
    holder = HolderKey.load(holder_dir)
    data = read_limited(bundle, MAX_RECORD, "bundle")
    with _Output(output) as out, Ledger.open(board, signing=True) as led:
        shared, anchor = share_record(led, holder, data, grant_id)
        out.commit(shared.encode())
        report = share_report("share", find_grant(led, anchor.grant_id), anchor)
    if as_json:
        _echo_json(report)
        return
    render.ok(f"record shared with {report['grantee']}: {output} (anchor: ledger entry {anchor.seq})")
    render.console.print(f"  record sha256 {anchor.record_sha256}", highlight=False)


@record.command(name="open")
@ledger_argument()
@click.argument("shared", type=FilePath)
@click.option("--hpke", "hpke_dir", type=DirPath, required=True, help="the grantee's directory with hpke.key")
@click.option("--output", "-o", type=FilePath, required=True, help="where to write the decrypted bundle (0600)")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def open_(board: Path, shared: Path, hpke_dir: Path, output: Path, as_json: bool) -> None:
    """Decrypt a shared record, check its digest against BOARD and the consent; log the access on BOARD.

    Example: zkmed record open board record.shared --hpke hospital-b -o bundle.json
    """
    key = HpkeKey.load(hpke_dir)
    data = read_limited(shared, MAX_RECORD + 4096, "shared record")
    SharedRecord.decode(data)  # a malformed file fails before anything is created
    with _Output(output, secret=True) as out, Ledger.open(board, signing=True) as led:
        opened = open_record(led, key, data)
        out.commit(opened.bundle)
    if as_json:
        _echo_json(share_report("open", opened.grant, opened.anchor, opened.access_seq))
        return
    render.ok(f"record opened: {output} (sha256 {opened.anchor.record_sha256} as anchored)")
    render.console.print(f"  access logged: ledger entry {opened.access_seq}", highlight=False)
