"""``zkmed demo``: the end-to-end story through click's CliRunner, its refusals, ``--primitives``, and one real
subprocess run of the whole demo."""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from zkmed.audit import Finding, Report, verify_ledger
from zkmed.cli.demo import story_records
from zkmed.cli.demo.workspace import prepare
from zkmed.cli.main import EXIT_USAGE, main
from zkmed.elections import workflow
from zkmed.errors import LedgerError, VerificationError
from zkmed.ledger import Ledger
from zkmed.ledger.checkpoint import TrustPolicy
from zkmed.records.access import list_access


@dataclass
class Run:
    root: Path
    result: Result

    @property
    def out(self) -> str:
        return self.result.stdout


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("demo") / "the [bold]story x"  # printed as is, quoted in the next commands
    return Run(root, _invoke("demo", str(root)))


def _section(out: str, start: str, end: str | None) -> str:
    head = out.index(start)
    return out[head : out.index(end, head) if end else None]


def test_the_story_runs_and_ends_verified(story: Run) -> None:
    assert story.result.exit_code == 0, story.result.output
    assert story.result.stderr == ""
    assert f"end-to-end demo in {story.root}" in story.out
    assert re.search(r"every step passed: \d+ entries, [\d.]+ s", story.out)
    with Ledger.open(story.root / "board") as led:  # the same ledger, verified again from outside the demo
        policy = TrustPolicy.parse((story.root / "board" / "authorities.txt").read_text())
        report = verify_ledger(led.store, policy=policy)
    assert report.ok and report.anchored
    assert f"✓ verified {report.entries} entries: every step passed" in story.out


def test_the_ledger_has_three_authorities(story: Run) -> None:
    part = _section(story.out, "1. a ledger", "2. an election")
    assert "3 authorities, any 2 sign a block" in part
    assert len((story.root / "board" / "authorities.txt").read_text().strip().splitlines()) >= 3


def test_the_election_part(story: Run) -> None:
    part = _section(story.out, "2. an election", "3. medical records")
    assert "3 trustees (quorum 2)" in part and "50 voter credentials" in part
    assert "challenged a ballot (Benaloh)" in part and "spoiled, not counted" in part
    assert re.search(r"confirmation code [a-z0-9]{4}(-[a-z0-9]{4})+", part)
    assert "trustee 2 is absent, trustees 1 and 3 decrypt it" in part
    with Ledger.open(story.root / "board") as led:
        res = workflow.result(led)
    assert res["trustees"] == [1, 3]
    for contest, counts in res["contests"].items():
        assert sum(counts.values()) == 50  # 50 counted ballots, the challenged one not among them
        for option, n in counts.items():  # the bar chart: one row per option, with its count and a bar
            assert re.search(rf"{re.escape(option)}\s+{n}\s+█+ \d+%", part), (contest, option)


def test_the_records_part(story: Run) -> None:
    part = _section(story.out, "3. medical records", "4. zkmed verify")
    assert "issued estrella a credential" in part and "issued cammy a credential" in part
    assert part.count("granted hospital-b.example consent") == 2
    assert "age >= 18, HbA1c < 7.0 %, a type 2 diabetes diagnosis" in part and "access audited" in part
    assert "cammy revoked her grant" in part
    assert "is refused: no active consent grant" in part and "was revoked" in part
    with Ledger.open(story.root / "board") as led:
        assert [(e.outcome, e.grantee) for e in list_access(led)] == [
            ("success", "hospital-b.example"),
            ("denied", "hospital-b.example"),
        ]


def test_the_verify_part_shows_every_step_passed(story: Run) -> None:
    part = _section(story.out, "4. zkmed verify", "Next, on the same directory")
    for step in ("A1", "A2", *(f"E{i}" for i in range(1, 12)), "R1", "R2", "R3"):
        assert re.search(rf"✓ {step}\s+.*: passed", part), step
    assert "failed" not in part and "✗" not in part


def test_secrets_are_0600(story: Run) -> None:
    secrets = [
        *story.root.glob("board/keys/*"),
        *story.root.glob("election/keys/*/*.key"),
        story.root / "hospital-a" / "issuer.key",
        *story.root.glob("patients/*/holder.key"),
    ]
    assert len(secrets) == 3 + 3 + 50 + 1 + 2
    for path in secrets:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def _next_commands(out: str) -> list[list[str]]:
    tail = out[out.index("Next, on the same directory") :]
    return [shlex.split(line.strip()) for line in tail.splitlines() if line.strip().startswith("zkmed ")]


def test_the_printed_next_commands_run_on_the_same_directory(story: Run) -> None:
    commands = _next_commands(story.out)
    words = [" ".join(c[:3]) for c in commands]
    for expected in ("zkmed verify", "zkmed election result", "zkmed ledger show", "zkmed record audit", "zkmed serve"):
        assert any(w.startswith(expected) for w in words), expected
    board = str(story.root / "board")
    for argv in commands:
        assert argv[0] == "zkmed"
        if argv[1] == "serve":
            assert argv[2:] == [board]
            continue
        result = _invoke(*argv[1:])
        assert result.exit_code == 0, (argv, result.output)
    verify = next(c for c in commands if c[1] == "verify")
    assert verify[2:] == [board, "--policy", str(story.root / "board" / "authorities.txt")]


# ---------------------------------------------------------------------------------------- refusals


def _refused(args: list[str], code: int, where: Path) -> str:
    before = sorted(p.relative_to(where) for p in where.rglob("*"))
    result = _invoke(*args)
    assert result.exit_code == code, result.output
    (line,) = result.stderr.splitlines()
    assert sorted(p.relative_to(where) for p in where.rglob("*")) == before
    return line


def test_a_non_empty_directory_is_refused_untouched(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "mine.txt").write_text("keep me")
    line = _refused(["demo", str(tmp_path / "d")], LedgerError.exit_code, tmp_path)
    assert "non-empty directory" in line
    assert (tmp_path / "d" / "mine.txt").read_text() == "keep me"


@pytest.mark.parametrize("name", ["a-file", "a-file/below", "missing/below", "n" * 300])
def test_paths_that_cannot_hold_the_demo_are_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "a-file").write_text("x")
    line = _refused(["demo", str(tmp_path / name)], LedgerError.exit_code, tmp_path)
    assert line.startswith("error (ledger-error): ")


def test_primitives_takes_no_directory(tmp_path: Path) -> None:
    line = _refused(["demo", "--primitives", str(tmp_path / "new")], EXIT_USAGE, tmp_path)
    assert "--primitives takes no DIRECTORY" in line


def test_the_workspace_is_new_or_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    made = prepare(None)
    assert made.parent == tmp_path and made.name.startswith("zkmed-demo-") and not any(made.iterdir())
    assert prepare(made) == made  # an empty directory is fine
    new = prepare(tmp_path / "new")
    assert new.is_dir() and stat.S_IMODE(new.stat().st_mode) == 0o700
    (made / "x").write_text("")
    with pytest.raises(LedgerError, match="non-empty"):
        prepare(made)


def test_the_demo_fails_loudly_when_a_revoked_grant_is_not_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The story's own checks can fail: with the revocation skipped, the refusal does not happen and it exits 2."""
    monkeypatch.setattr(story_records, "revoke_consent", lambda *a, **k: None)
    result = _invoke("demo", str(tmp_path / "d"))
    assert result.exit_code == VerificationError.exit_code, result.output
    assert result.stderr.splitlines() == [
        "error (verification-failed): a presentation under a revoked consent grant was accepted"
    ]


def test_the_demo_fails_when_the_final_verify_finds_something(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The final `zkmed verify` is checked, not only printed: a finding in any step fails the demo (exit 2)."""
    from zkmed.cli.demo import story

    def failing(store: object, **kw: object) -> Report:
        report = verify_ledger(store, **kw)  # type: ignore[arg-type]
        steps = tuple(
            replace(s, findings=(Finding(7, "a forged proof"),)) if s.number == "E6" else s for s in report.steps
        )
        return replace(report, steps=steps)

    monkeypatch.setattr(story, "verify_ledger", failing)
    result = _invoke("demo", str(tmp_path / "d"))
    assert result.exit_code == VerificationError.exit_code, result.output
    assert "✗ E6" in result.stdout and "entry 7: a forged proof" in result.stdout
    assert result.stderr.splitlines() == [
        "error (verification-failed): step E6 (ballot proofs) failed at entry 7: a forged proof"
    ]


# ---------------------------------------------------------------------------------------- --primitives


def test_primitives_still_run() -> None:
    result = _invoke("demo", "--primitives")
    assert result.exit_code == 0, result.output
    for title in ("group backends", "hash-to-curve", "Pedersen commitment", "ledger:", "range proof"):
        assert title in result.stdout
    assert "all steps passed" in result.stdout


def test_primitives_one_step() -> None:
    result = _invoke("demo", "--primitives", "--step", "3")
    assert result.exit_code == 0, result.output
    assert "3. Pedersen commitment" in result.stdout and "step 3 passed" in result.stdout
    assert "1. group backends" not in result.stdout


# ---------------------------------------------------------------------------------------- a real process


def test_one_real_subprocess_run_of_the_whole_demo(tmp_path: Path) -> None:
    """`python -m zkmed.cli.main demo` as a user runs it: in a new temporary directory (here under TMPDIR), path
    printed, every step passed, the next commands printed; nothing on stderr."""
    env = {**os.environ, "TMPDIR": str(tmp_path), "COLUMNS": "200"}
    env.pop("NO_COLOR", None)
    done = subprocess.run(
        [sys.executable, "-m", "zkmed.cli.main", "demo"], capture_output=True, env=env, timeout=300, check=False
    )
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    assert done.stderr == b""
    (made,) = tmp_path.glob("zkmed-demo-*")
    assert f"end-to-end demo in {made}" in out
    assert "every step passed" in out and "✓ verified" in out
    assert f"zkmed verify {made / 'board'} --policy {made / 'board' / 'authorities.txt'}" in out
    assert (made / "board" / "ledger.sqlite").is_file()
