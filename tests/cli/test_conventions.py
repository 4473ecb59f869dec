"""The CLI conventions of every ``zkmed`` command (README "Command line", issue #14).

* ``--help`` of every command and group shows an ``Example: zkmed …`` line;
* every command that prints data takes ``--json`` and prints a registered ``type``/``version`` document;
* BOARD / DIRECTORY ledger arguments default to ``$ZKMED_LEDGER``;
* files are written atomically: a failed command leaves nothing half-written;
* shell completion scripts are produced for bash, zsh and fish;
* secret key material is never printed.

The commands are enumerated from the click tree at run time: a new command is
checked the day it is registered.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

import zkmed.files
from zkmed.canonical_json import parse_json
from zkmed.cli.conventions import LEDGER_ENV, LedgerArgument
from zkmed.cli.main import main
from zkmed.errors import LedgerError, MalformedInput
from zkmed.files import AtomicFile, write_atomic
from zkmed.formats import CLI_RESULT, peek_json

#: commands whose help has no example yet, with the reason (keep this short)
EXAMPLE_EXEMPT: dict[str, str] = {}

#: ledger arguments not (yet) defaulting to $ZKMED_LEDGER, with the reason
LEDGER_ENV_EXEMPT: dict[str, str] = {
    "zkmed record hpke-init": "DIRECTORY is the grantee's key directory, not a ledger",
    "zkmed demo": "DIRECTORY is a new or empty directory for the demo's fresh ledger, not an existing one",
}

#: commands that print no data (only a confirmation line, a live server, a story, or an artifact in its own
#: standard format) and so take no --json; everything else must take it
NO_DATA: dict[str, str] = {
    "zkmed demo": "a narrated story for people; its artifacts are checked with the commands below",
    "zkmed serve": "runs a server; the data is served as JSON over HTTP (docs/serve.md)",
    "zkmed ledger init": "action: creates a ledger, prints where the files went",
    "zkmed ledger append": "action: one confirmation line; its --json option already names a JSON payload",
    "zkmed ledger seal": "action: one confirmation line",
    "zkmed ledger prove inclusion": "writes a tlog-proof receipt file (standard format); one confirmation line",
    "zkmed ledger prove consistency": "writes a zkmed.ledger.consistency-proof file; one confirmation line",
    "zkmed ledger sync": "action: replicates; `ledger verify --json` reports on the replica",
    "zkmed election create": "action: posts the election, writes key files",
    "zkmed election setup": "action: posts the parameters",
    "zkmed election open": "action: posts the joint key, writes voter key files",
    "zkmed tally": "action: posts the tally; `election result --json` prints it",
    "zkmed trustee decrypt": "action: posts a partial decryption",
    "zkmed trustee ceremony": "action: posts a ceremony message, updates the state file",
    "zkmed trustee finish": "action: writes the trustee key file",
    "zkmed record issuer-init": "action: writes a key pair",
    "zkmed record holder-init": "action: writes a key pair",
    "zkmed record hpke-init": "action: writes a key pair",
    "zkmed record issue": "action: writes the credential (`record attributes --json` shows it)",
    "zkmed record present": "action: writes the presentation (`record verify --json` checks it)",
}


def _walk(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                yield from _walk(sub, f"{path} {name}")


COMMANDS = dict(_walk(main, "zkmed"))
LEAVES = {path: cmd for path, cmd in COMMANDS.items() if not isinstance(cmd, click.Group)}


def _help(path: str) -> str:
    result = CliRunner().invoke(main, [*path.split()[1:], "--help"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_help_has_an_example(path: str) -> None:
    if path in EXAMPLE_EXEMPT:
        pytest.skip(EXAMPLE_EXEMPT[path])
    assert "Example: zkmed " in " ".join(_help(path).split()), f"{path} --help has no 'Example: zkmed …'"


def test_every_data_command_has_json() -> None:
    missing = [p for p, cmd in LEAVES.items() if p not in NO_DATA and not any("--json" in o.opts for o in cmd.params)]
    assert not missing, f"commands printing data without --json: {missing}"
    stale = [p for p in NO_DATA if p not in LEAVES]
    assert not stale, f"NO_DATA names commands that do not exist: {stale}"


def test_ledger_arguments_default_to_the_environment() -> None:
    """Every positional argument that names a ledger (BOARD, DIRECTORY, SRC) is a LedgerArgument."""
    for path, cmd in LEAVES.items():
        for p in cmd.params:
            if isinstance(p, click.Argument) and p.name in ("board", "directory", "src") and path != "zkmed verify":
                if path in LEDGER_ENV_EXEMPT:
                    continue
                assert isinstance(p, LedgerArgument) and p.envvar == LEDGER_ENV, f"{path} {p.name}"
    verify = LEAVES["zkmed verify"]
    assert any(p.name == "board" and p.envvar == LEDGER_ENV for p in verify.params)


def _run(*args: object, code: int = 0, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    assert result.exit_code == code, (result.output, result.stderr)
    return result


def _json(result: Result) -> dict:
    doc = parse_json(result.stdout.strip())
    assert isinstance(doc, dict)
    peek_json(doc)  # a registered type with an integer version
    return doc


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("conv") / "board"
    _run("ledger", "init", path, "--authorities", 2, "--threshold", 1)
    _run("ledger", "append", path, "--type", "note", "--json", '{"text": "hello"}')
    return path


def test_zkmed_ledger_is_the_default_ledger(board: Path, tmp_path: Path) -> None:
    env = {LEDGER_ENV: str(board)}
    shown = _json(_run("ledger", "show", "--json", env=env))
    assert shown["entries"] == 1
    _run("ledger", "append", "--type", "note", "--json", '{"text": "env"}', env=env)
    listed = json.loads(_run("ledger", "entries", "--json", env=env).stdout)
    assert [e["payload"] for e in listed] == [{"text": "hello"}, {"text": "env"}]
    # a positional after the ledger: the ledger comes from the environment, SEQ from the command line
    receipt = tmp_path / "r.tlog-proof"
    _run("ledger", "prove", "inclusion", "1", "-o", receipt, env=env)
    doc = _json(_run("ledger", "verify-proof", receipt, "--ledger", board, "--json"))
    assert doc["type"] == CLI_RESULT.name and doc["result"]["kind"] == "receipt" and doc["result"]["index"] == 1
    # the command line still wins
    other = tmp_path / "other"
    _run("ledger", "init", other, "--authorities", 1, "--threshold", 1, env=env)
    assert _json(_run("ledger", "show", other, "--json", env=env))["entries"] == 0
    # zkmed verify reads $ZKMED_LEDGER too (it refuses the unknown entry type 'note': exit 2, with a report)
    assert _json(_run("verify", "--json", env=env, code=2))["entries"] == 2
    # without the variable a missing ledger is a usage error, one line
    result = _run("ledger", "show", code=4)  # neither DIRECTORY nor --store
    assert len(result.stderr.splitlines()) == 1


def test_json_documents_carry_type_and_version(board: Path) -> None:
    for args in (
        ["info", "--json"],
        ["circuits", "list", "--json"],
        ["ledger", "show", board, "--json"],
        ["ledger", "checkpoint", board, "--json"],
    ):
        doc = _json(_run(*args))
        assert {"type", "version"} <= set(doc)
    vectors = Path(__file__).parent.parent / "vectors" / "ietf-sigma" / "sigma-proofs_Shake128_P256.json"
    if vectors.exists():
        doc = _json(_run("sigma", "check-vectors", vectors, "--json"))
        assert doc["ok"] is True and doc["result"]["vectors"]


# --- atomic writes ---------------------------------------------------------------------------------------------


def _listing(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}


def test_failed_command_with_output_leaves_nothing(board: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "kept.tlog-proof").write_bytes(b"old content")
    before = _listing(out_dir)
    _run("ledger", "prove", "inclusion", board, 999, "-o", out_dir / "new.tlog-proof", code=7)  # no entry 999
    _run("ledger", "prove", "inclusion", board, 999, "-o", out_dir / "kept.tlog-proof", code=7)
    assert _listing(out_dir) == before  # no new file, no temporary file, the old content kept


def test_write_failing_at_rename_leaves_nothing(board: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The directory 'becomes unwritable' between the temporary file and the rename (simulated: we run as any user)."""

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(zkmed.files.os, "replace", refuse)
    out = tmp_path / "cp.txt"
    out.write_bytes(b"old checkpoint")
    result = _run("ledger", "checkpoint", board, "-o", out, code=7)
    assert "cannot write the output file" in result.stderr and len(result.stderr.splitlines()) == 1
    assert _listing(tmp_path) == {"cp.txt": b"old checkpoint"}


def test_write_atomic_library_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = write_atomic(tmp_path / "k.key", b"s", secret=True, overwrite=False)
    public = write_atomic(tmp_path / "k.pub", b"p")
    assert os.stat(secret).st_mode & 0o777 == 0o600 and os.stat(public).st_mode & 0o777 == 0o644
    with pytest.raises(LedgerError, match="refusing to overwrite"):
        write_atomic(secret, b"t", secret=True, overwrite=False)
    with pytest.raises(MalformedInput, match="it is a directory"):
        write_atomic(tmp_path, b"x", error=MalformedInput)
    with pytest.raises(RuntimeError), AtomicFile(tmp_path / "never.txt"):
        raise RuntimeError("the work failed before the commit")
    with pytest.raises(LedgerError, match="cannot write"):
        write_atomic(tmp_path / "missing" / "x", b"x")
    assert write_atomic(tmp_path / "made" / "x", b"x", mkdir=True).read_bytes() == b"x"
    (tmp_path / "made" / "x").unlink()
    (tmp_path / "made").rmdir()

    def no_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zkmed.files.os, "fsync", no_fsync)
    with pytest.raises(LedgerError, match="No space left"):
        write_atomic(public, b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.key", "k.pub"]
    assert public.read_bytes() == b"p" and secret.read_bytes() == b"s"


# --- shell completion ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script_is_produced(shell: str) -> None:
    result = CliRunner().invoke(main, [], prog_name="zkmed", env={"_ZKMED_COMPLETE": f"{shell}_source"})
    assert result.exit_code == 0
    assert "_ZKMED_COMPLETE" in result.stdout and "zkmed" in result.stdout


def test_completion_completes_commands() -> None:
    env = {"_ZKMED_COMPLETE": "bash_complete", "COMP_WORDS": "zkmed led", "COMP_CWORD": "1"}
    result = CliRunner().invoke(main, [], prog_name="zkmed", env=env)
    assert "ledger" in result.stdout


# --- secrets never printed -------------------------------------------------------------------------------------

_SECRET_FIELDS = [
    re.compile(rb'"(?:seed|secret)":"([A-Za-z0-9+/=_-]+)"'),  # records, HPKE, voter and trustee key files
    re.compile(rb"^seed ([A-Za-z0-9+/=]+)$", re.M),  # ledger authority key files
]


def _secrets(directory: Path) -> list[bytes]:
    """The secret values (decoded) of every 0600 file under ``directory``."""
    found = []
    for path in directory.rglob("*"):
        if path.is_file() and os.stat(path).st_mode & 0o077 == 0:
            data = path.read_bytes()
            for pattern in _SECRET_FIELDS:
                for token in pattern.findall(data):
                    found.append(base64.b64decode(token + b"=" * (-len(token) % 4)))
    return found


def _spellings(secret: bytes) -> list[str]:
    b64 = base64.b64encode(secret).decode()
    url = base64.urlsafe_b64encode(secret).decode()
    return [secret.hex(), secret.hex().upper(), b64, b64.rstrip("="), url.rstrip("=")]


def test_secrets_are_never_printed(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps({"election_id": "e", "contests": [{"id": "c", "selection_limit": 1, "options": ["a", "b"]}]})
    )
    runs = [
        ("ledger", "init", tmp_path / "board", "--authorities", 2, "--threshold", 1),
        ("record", "issuer-init", tmp_path / "issuer"),
        ("record", "holder-init", tmp_path / "holder"),
        ("record", "hpke-init", tmp_path / "grantee"),
        ("election", "create", tmp_path / "board", "--manifest", manifest, "--trustees", 2, "--quorum", 2,
         "--voters", 2, "--keys", tmp_path / "keys"),
        ("vote", tmp_path / "board", "--credential", tmp_path / "keys" / "voters" / "voter-1.key", "--choice", "c=a"),
        ("info", "--json"),
        ("ledger", "show", tmp_path / "board", "--json"),
    ]  # fmt: skip
    printed = ""
    for args in runs:
        result = _run(*args)
        printed += result.stdout + result.stderr
    challenged = _json(
        _run("vote", tmp_path / "board", "--credential", tmp_path / "keys" / "voters" / "voter-2.key",
             "--choice", "c=b", "--challenge", "--json")
    )  # fmt: skip
    assert challenged["result"]["challenged"] is True and challenged["result"]["audit"] == {"c": {"a": 0, "b": 1}}
    printed += json.dumps(challenged)
    secrets = _secrets(tmp_path)
    assert len(secrets) >= 2 + 3 + 2 + 2  # ledger authorities, record keys, trustees, voters
    for secret in secrets:
        assert len(secret) >= 16
        for spelling in _spellings(secret):
            assert spelling not in printed, "a secret key was printed"


def test_subcommands_are_imported_on_first_use() -> None:
    """`zkmed electionguard verify` does not import the elections, records or serve stacks (startup time), and every
    entry of the lazy table is the command it names."""
    import subprocess
    import sys

    from zkmed.cli.main import LAZY_COMMANDS

    code = (
        "import sys; from zkmed.cli.main import main; "
        "main.get_command(None, 'electionguard'); "
        "print(sorted(m for m in ('zkmed.elections', 'zkmed.records', 'zkmed.serve', 'zkmed.ledger') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    ctx = click.Context(main)
    assert main.list_commands(ctx) == sorted(LAZY_COMMANDS)
    for name in LAZY_COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
    assert main.get_command(ctx, "no-such-command") is None
