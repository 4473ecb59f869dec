"""Every ``zkmed`` subcommand under hostile input: documented exit codes, one line on stderr, nothing half-written.

The commands are enumerated from the click group at run time (a new command
is covered the day it is registered).  For each command, each parameter in
turn gets hostile values chosen by its click type — paths: missing, empty,
directories, garbage bytes, invalid UTF-8, large / deep / huge-integer /
wrong-type JSON, a damaged ledger, an undecodable name; integers: huge,
negative, not a number; choices: unknown; text: lone surrogates, markup,
bad hex, ``@file`` references to the bad files, bad JSON — while the other
required parameters get a working value (a real ledger, policy, receipt or
test vector where one is known, see ``FILLERS``).  Each run happens in a fresh
directory holding only the files it names.  Required of every run:

* the exit code is one of ``zkmed.cli.main.EXIT_CODES`` and not 70 (an
  internal error is a bug, however politely it is reported);
* a failure prints exactly one line on stderr, success prints nothing there;
  no traceback anywhere;
* a failed run leaves the directory exactly as it found it.

A sample also runs as a real process (stderr a pipe, not a terminal) to check
that long messages are not wrapped and markup in user text is printed as is.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from zkmed.cli.main import EXIT_CODES, EXIT_INTERNAL, main

VECTORS = Path(__file__).parent.parent / "vectors" / "ietf-sigma" / "sigma-proofs_Shake128_P256.json"

pytestmark = pytest.mark.fuzz


def commands(
    group: click.Group = main, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every leaf command under ``group``, as (words, command)."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        if isinstance(cmd, click.Group):
            yield from commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


COMMANDS = dict(commands())


# ---------------------------------------------------------------------------
# the pool of hostile files (built once) and the working fixtures


def _pool_files(pool: Path) -> None:
    rng = random.Random(10)
    (pool / "empty.bin").write_bytes(b"")
    (pool / "somedir").mkdir()
    (pool / "emptydir").mkdir()
    (pool / "garbage.bin").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    (pool / "invalid-utf8.txt").write_bytes(b"c2sp.org/tlog-proof@v1\n\xff\xfe\xed\xa0\x80 text \xc3\n\n")
    (pool / "large.json").write_text("[" + ",".join(['{"a":"' + "x" * 60 + '"}'] * 12_000) + "]")
    (pool / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (pool / "hugeint.json").write_text("1" * 5000)
    (pool / "surrogate.json").write_text('{"a":"\\ud800"}')
    (pool / "wrongtype.json").write_text('[{"Ciphersuite":1,"Flavor":[],"Tag":null,"Instance":{},"NargString":7}]')
    (pool / "object.json").write_text('{"type":"zkmed.ledger.consistency-proof","version":1,"old":1,"new":[]}')
    (pool / "list.json").write_text("[1,2,3]")
    (pool / "ledger-on-file").write_text("not a directory\n")


def _fixtures(pool: Path) -> None:
    """A real ledger (``board``), its policy, a receipt, a checkpoint, and a copy of the sigma vectors."""
    from zkmed.ledger.ledger import Ledger

    with Ledger.init(pool / "board", authorities=3, threshold=2, name="fuzz.example") as led:
        for i in range(4):
            led.append("ballot", f'{{"ballot":{i}}}'.encode(), seal=True)
        (pool / "board.checkpoint").write_text(led.checkpoint().text())
        (pool / "entry-1.tlog-proof").write_text(led.prove_inclusion(1).format())
        (pool / "consistency.json").write_text(led.prove_consistency(1).format())
        (pool / "policy.txt").write_text(led.policy().format())
        (pool / "entry-1.bin").write_bytes(led.entry(1).encode())
    shutil.copy(VECTORS, pool / "vectors.json")
    receipt = (pool / "entry-1.tlog-proof").read_text()
    (pool / "truncated.tlog-proof").write_text(receipt[: len(receipt) // 2])
    # a damaged ledger: the same files, each overwritten with garbage
    damaged = pool / "damaged-ledger"
    shutil.copytree(pool / "board", damaged)
    for path in damaged.rglob("*"):
        if path.is_file():
            path.write_bytes((pool / "garbage.bin").read_bytes()[: max(1, path.stat().st_size)])


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pool = tmp_path_factory.mktemp("cli-fuzz-pool")
    _pool_files(pool)
    _fixtures(pool)
    return pool


BAD_PATHS = [
    "missing.bin",
    "empty.bin",
    "somedir",
    "emptydir",
    "garbage.bin",
    "invalid-utf8.txt",
    "large.json",
    "deep.json",
    "hugeint.json",
    "surrogate.json",
    "wrongtype.json",
    "object.json",
    "list.json",
    "ledger-on-file",
    "ledger-on-file/below",
    "damaged-ledger",
    "truncated.tlog-proof",
    "\udcff-undecodable.bin",
    "n" * 300,  # longer than a file name may be
]
BAD_INTS = ["99999999999999999999", "-1", "-99999999999999999999", "0", "x", "", "1e3", "0x10"]
BAD_STRINGS = [
    "",
    "\udcff\udcfe",
    "[bold]markup[/] [/]",
    ":smile: $x `y`",
    "x" * 5000,
    "zz",
    "00 ff",
    "@missing.bin",
    "@somedir",
    "@garbage.bin",
    "@invalid-utf8.txt",
    "@",
    "[" * 5000,
    "1" * 5000,
    '"\\ud800"',
    '{"a":1,"a":2}',
    '{"a":1.5}',
    "\n\r\t",
    "-",
]

#: working values for parameters whose generic filler would stop a command early
#: (keyed by command words and parameter name; new commands fall back to the generic ones)
FILLERS: dict[tuple[str, str], str] = {
    ("sigma verify", "tag"): "",  # set from the vector file at import
    ("sigma check-vectors", "path"): "vectors.json",
    ("ledger verify-proof", "file"): "entry-1.tlog-proof",
    ("ledger verify-proof", "policy"): "policy.txt",
    ("ledger verify-proof", "entry"): "entry-1.bin",
    ("ledger verify-proof", "old"): "board.checkpoint",
    ("ledger verify", "held"): "board.checkpoint",
    ("ledger verify", "policy"): "policy.txt",
    ("ledger sync", "dst"): "replica",
    ("ledger init", "directory"): "new-ledger",
    ("ledger prove consistency", "size1"): "1",
    ("ledger prove inclusion", "seq"): "1",
    ("ledger append", "data"): "a payload",
}
#: "hostile" values that are valid for a parameter and start a long real run, left out (covered by the
#: command's own tests): `zkmed demo DIRECTORY` runs the whole story in a new or empty directory
#: (tests/cli/test_demo.py); every other directory value must be refused at once, leaving it untouched
VALID_LONG_RUNS: dict[tuple[str, str], set[str]] = {("demo", "directory"): {"missing.bin", "somedir", "emptydir"}}
#: parameters of which a command takes exactly one: the others are left out while one is under test
EXCLUSIVE: dict[str, set[str]] = {"ledger append": {"data", "json_text", "file", "hex_text"}}


def _sigma_fillers() -> None:
    import json

    v = json.loads(VECTORS.read_text())[0]
    FILLERS[("sigma verify", "tag")] = v["Tag"]
    FILLERS[("sigma verify", "instance")] = v["Instance"]
    FILLERS[("sigma verify", "proof")] = v["NargString"]
    FILLERS[("sigma verify", "ciphersuite")] = v["Ciphersuite"]
    FILLERS[("sigma verify", "flavor")] = v["Flavor"]


_sigma_fillers()


# ---------------------------------------------------------------------------
# cases


@dataclass(frozen=True)
class Case:
    words: tuple[str, ...]
    args: tuple[str, ...]
    note: str

    def __str__(self) -> str:
        shown = [a if len(a) <= 40 else f"{a[:20]}…({len(a)} chars)" for a in self.args]
        return "zkmed " + " ".join(ascii(a) if not a.isprintable() or " " in a or not a else a for a in shown)


def _is_path(param: click.Parameter) -> bool:
    return isinstance(param.type, (click.Path, click.File))


def _wants_dir(param: click.Parameter) -> bool:
    """A ledger directory, by its click type or (when the library checks it) by its name."""
    if isinstance(param.type, click.Path) and not param.type.file_okay:
        return True
    name = param.name or ""
    return _is_path(param) and ("dir" in name or name in {"src", "dst", "ledger", "board", "source", "replica"})


def _hostile(param: click.Parameter) -> list[str]:
    if _is_path(param):
        return BAD_PATHS
    if isinstance(param.type, click.Choice):
        return ["nope", "", "\udcff"]
    if isinstance(param.type, (click.types.IntParamType, click.IntRange)):
        return BAD_INTS
    return BAD_STRINGS


def _filler(words: tuple[str, ...], param: click.Parameter) -> str:
    known = FILLERS.get((" ".join(words), param.name or ""))
    if known is not None:
        return known
    if _wants_dir(param):
        return "board"
    if _is_path(param):
        return "garbage.bin"
    if isinstance(param.type, click.Choice):
        return str(param.type.choices[0])
    if isinstance(param.type, (click.types.IntParamType, click.IntRange)):
        return "1"
    return "x"


def _option_words(opt: click.Option, value: str) -> list[str]:
    return [opt.opts[-1] if opt.opts[-1].startswith("--") else opt.opts[0], value]


def _invocation(
    words: tuple[str, ...],
    cmd: click.Command,
    target: click.Parameter | None = None,
    value: str = "",
    flags: bool = False,
) -> tuple[str, ...]:
    """``words`` + the required parameters (and those with a known filler) filled, ``target`` set to ``value``."""
    key = " ".join(words)
    options: list[str] = []
    positionals: list[str] = []
    exclusive = EXCLUSIVE.get(key, set())
    for param in cmd.params:
        given = param is target or param.required or (key, param.name or "") in FILLERS
        if target is not None and target.name in exclusive and param.name in exclusive and param is not target:
            given = False
        if isinstance(param, click.Argument):
            if given:
                positionals.append(value if param is target else _filler(words, param))
        elif isinstance(param, click.Option) and param.name != "help":
            if param.is_flag:
                options += [param.opts[0]] if flags else []
            elif given:
                options += [_long(param), value if param is target else _filler(words, param)]
    return (*words, *options, "--", *positionals) if positionals else (*words, *options)


def _long(opt: click.Option) -> str:
    return next((o for o in opt.opts if o.startswith("--")), opt.opts[0])


def cases(words: tuple[str, ...], cmd: click.Command) -> list[Case]:
    out = [Case(words, (*words, "--no-such-option"), "unknown option")]
    if any(p.required for p in cmd.params):  # (without required parameters, no arguments is a real run)
        out.append(Case(words, words, "no arguments"))
    for param in cmd.params:
        if isinstance(param, click.Option) and (param.is_flag or param.name == "help"):
            continue
        skip = VALID_LONG_RUNS.get((" ".join(words), param.name or ""), set())
        for value in _hostile(param):
            if value in skip:
                continue
            out.append(Case(words, _invocation(words, cmd, param, value), f"{param.name}={value[:30]!r}"))
    if any(isinstance(p, click.Option) and p.is_flag and p.name != "help" for p in cmd.params):
        out.append(Case(words, _invocation(words, cmd, flags=True), "every flag"))
    return out


# ---------------------------------------------------------------------------
# running and checking


_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def _sqlite_content(path: Path) -> str:
    """The logical content of a SQLite file (with its WAL): what a reader would see."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return "sqlite:" + hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()
    except sqlite3.DatabaseError:
        return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root`` with its content; SQLite files by their logical content, and their
    sidecar files (``-wal``, ``-shm``: SQLite's own, created by any reader) left out."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = os.fsencode(path.relative_to(root)).decode("utf-8", "backslashreplace")
        if path.is_symlink():
            out[rel] = "link"
        elif path.is_dir():
            out[rel] = "dir"
        elif path.name.endswith(_SQLITE_SIDECARS) and path.with_name(path.name.rsplit("-", 1)[0]).exists():
            continue
        elif path.read_bytes()[:16] == b"SQLite format 3\x00":
            out[rel] = _sqlite_content(path)
        else:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _materialize(pool: Path, case_dir: Path, args: tuple[str, ...]) -> None:
    """Copy into ``case_dir`` only the pool items that the arguments name (directly or as ``@name``)."""
    wanted = set()
    for arg in args:
        name = arg[1:] if arg.startswith("@") else arg
        top = name.split("/", 1)[0]
        if top and len(top) < 200 and (pool / top).exists():
            wanted.add(top)
    for name in wanted:
        src = pool / name
        if src.is_dir():
            shutil.copytree(src, case_dir / name, symlinks=True)
        else:
            shutil.copy2(src, case_dir / name)


def run_case(pool: Path, workdir: Path, case: Case) -> str | None:
    """Run one case; a description of what went wrong, or None."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir()
    _materialize(pool, workdir, case.args)
    before = _snapshot(workdir)
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        result = CliRunner().invoke(main, list(case.args), catch_exceptions=True)
    finally:
        os.chdir(cwd)
    stderr_lines = result.stderr.splitlines()
    problems = []
    if result.exit_code not in EXIT_CODES or result.exit_code == EXIT_INTERNAL:
        problems.append(f"exit {result.exit_code}")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        problems.append(f"exception escaped: {type(result.exception).__name__}: {result.exception}")
    if "Traceback" in result.output:
        problems.append("traceback printed")
    if result.exit_code != 0 and len(stderr_lines) != 1:
        problems.append(f"{len(stderr_lines)} lines on stderr")
    if result.exit_code == 0 and stderr_lines:
        problems.append("success with output on stderr")
    if result.exit_code != 0:
        after = _snapshot(workdir)
        if after != before:
            changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
            problems.append(f"left changes on disk after failing: {changed[:6]}")
    if not problems:
        return None
    return f"{case} [{case.note}] -> {'; '.join(problems)}; exit {result.exit_code}; stderr {result.stderr[-300:]!r}"


@pytest.mark.parametrize("words", sorted(COMMANDS), ids=" ".join)
def test_every_command_survives_hostile_input(words: tuple[str, ...], pool: Path, tmp_path: Path) -> None:
    failures = [f for case in cases(words, COMMANDS[words]) if (f := run_case(pool, tmp_path / "work", case))]
    assert not failures, f"{len(failures)} bad outcomes:\n" + "\n".join(failures)


def test_the_enumeration_finds_every_registered_command() -> None:
    names = {w[0] for w in COMMANDS}
    assert {"info", "demo", "sigma", "ledger"} <= names
    assert ("ledger", "prove", "inclusion") in COMMANDS
    assert all(cases(w, c) for w, c in COMMANDS.items())


# ---------------------------------------------------------------------------
# a real process: stderr is a pipe, so nothing may wrap or colour it


def _zkmed(*args: str, columns: str = "40") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "COLUMNS": columns, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    argv = [sys.executable, "-c", "from zkmed.cli.main import main; main()", *args]
    return subprocess.run(argv, capture_output=True, env=env, timeout=120, check=False)


@pytest.mark.parametrize(
    "args, code",
    [
        (("demo", "--primitives", "--step", "9" * 400), 64),
        (("nosuch-[bold]command[/]-" + "y" * 300,), 64),
        (("sigma", "verify", "--tag", "t", "--instance", "@missing-" + "z" * 200, "--proof", "00"), 4),
        (("ledger", "show", "missing-" + "d" * 200), 7),
    ],
)
def test_a_real_process_prints_one_unwrapped_line(args: tuple[str, ...], code: int, tmp_path: Path) -> None:
    done = _zkmed(*args)
    assert done.returncode == code, done.stderr
    lines = done.stderr.decode("utf-8").splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error (") and "\x1b[" not in lines[0]
    assert len(lines[0]) > 80
    if "[bold]" in args[0]:
        assert "[bold]command[/]" in lines[0]


def test_a_real_process_rejects_undecodable_arguments(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "from zkmed.cli.main import main; main()"]
    done = subprocess.run(
        [*argv, "sigma", "verify", "--tag", os.fsdecode(b"\xff\xfe"), "--instance", "00", "--proof", "00"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 4
    assert done.stderr.decode().splitlines() == ["error (malformed-input): command-line argument 4 is not valid UTF-8"]


def test_sample_of_cases_agrees_between_runner_and_process(pool: Path, tmp_path: Path) -> None:
    """The in-process runner and a real process give the same exit code and stderr line."""
    sample = [c for words, cmd in sorted(COMMANDS.items()) for c in itertools.islice(cases(words, cmd), 1, 4)]
    for case in sample[:: max(1, len(sample) // 6)]:
        work = tmp_path / "p"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir()
        _materialize(pool, work, case.args)
        cwd = os.getcwd()
        os.chdir(work)
        try:
            done = _zkmed(*case.args, columns="200")
        finally:
            os.chdir(cwd)
        assert done.returncode in EXIT_CODES, (str(case), done.stderr)
        if done.returncode != 0:
            assert len(done.stderr.decode("utf-8").splitlines()) == 1, (str(case), done.stderr)
