"""The CLI shell: help, version, info, and the single ZkmedError → message + exit code handler."""

from __future__ import annotations

import click
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import zkmed
from zkmed.cli import render
from zkmed.cli.main import EXIT_CODES, EXIT_INTERNAL, EXIT_USAGE, ZkmedGroup, main
from zkmed.errors import ALL_ERRORS, MalformedInput, VerificationError


def test_help_lists_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("info", "demo", "ledger"):
        assert command in result.output


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert zkmed.__version__ in result.output


def test_info_runs_every_backend_self_check() -> None:
    result = CliRunner().invoke(main, ["info"])
    assert result.exit_code == 0, result.output
    for name in ("P256", "secp256k1", "secp256k1-pyecc", "EG4096"):
        assert name in result.output
    assert "FAILED" not in result.output


def _group_raising(exc: Exception) -> click.Group:
    @click.group(cls=ZkmedGroup)
    @click.option("--debug", is_flag=True)
    def root(debug: bool) -> None:
        pass

    @root.command()
    def boom() -> None:
        raise exc

    return root


def test_zkmed_errors_become_one_line_and_exit_code() -> None:
    result = CliRunner().invoke(_group_raising(VerificationError("proof rejected", where="ballot 7")), ["boom"])
    assert result.exit_code == VerificationError.exit_code
    assert result.stderr == "error (verification-failed): proof rejected (at ballot 7)\n"
    assert result.stdout == ""


def test_malformed_input_exit_code() -> None:
    result = CliRunner().invoke(_group_raising(MalformedInput("bad hex")), ["boom"])
    assert result.exit_code == MalformedInput.exit_code
    assert "bad hex" in result.output


def test_other_exceptions_are_one_internal_error_line() -> None:
    result = CliRunner().invoke(_group_raising(RuntimeError("bug\nsecond line")), ["boom"])
    assert result.exit_code == EXIT_INTERNAL == 70
    assert result.stderr.splitlines() == [
        "error (internal): RuntimeError: bug\\nsecond line (this is a bug in zkmed; rerun with --debug for the traceback)"
    ]
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback_of_an_internal_error() -> None:
    result = CliRunner().invoke(_group_raising(KeyError("boom")), ["--debug", "boom"])
    assert result.exit_code == EXIT_INTERNAL
    assert "Traceback" in result.stderr and "KeyError" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error (internal): KeyError")
    assert any("--debug" in p.opts for p in main.params if isinstance(p, click.Option))


def test_long_messages_and_markup_stay_one_literal_line() -> None:
    message = "[bold]not bold[/] :smile: " + "x" * 500 + "\r\nforged line\u2028" + "\udcff"
    result = CliRunner().invoke(_group_raising(MalformedInput(message, where="[red]here[/]")), ["boom"])
    assert result.exit_code == MalformedInput.exit_code
    (line,) = result.stderr.splitlines()
    assert line.startswith("error (malformed-input): [bold]not bold[/] :smile: xxx")
    assert line.endswith("\\r\\nforged line\\u2028\\udcff (at [red]here[/])")
    assert result.stdout == ""


def test_usage_errors_exit_64_with_one_line() -> None:
    bad_steps = [["demo", "--primitives", "--step", n] for n in ("256", "-1", "0")]
    for args in (["nosuch"], *bad_steps, ["--nope"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == EXIT_USAGE == 64, args
        (line,) = result.stderr.splitlines()
        assert line.startswith("error (usage): "), args
    result = CliRunner().invoke(main, ["demo", "--primitives", "--step", "256"])
    assert "1<=x<=5" in result.stderr and "--step" in result.stderr


def test_a_group_without_its_command_prints_help_and_one_error_line() -> None:
    result = CliRunner().invoke(main, ["ledger"])
    assert result.exit_code == EXIT_USAGE
    assert "verify-proof" in result.stdout
    assert result.stderr.splitlines() == ["error (usage): main ledger: missing command (the commands are listed above)"]


def test_help_is_unchanged() -> None:
    result = CliRunner().invoke(main, ["ledger", "--help"])
    assert result.exit_code == 0 and result.stderr == ""
    assert "Usage:" in result.stdout


def test_arguments_must_be_utf8() -> None:
    result = CliRunner().invoke(main, ["sigma", "verify", "--tag", "\udcff", "--instance", "00", "--proof", "00"])
    assert result.exit_code == MalformedInput.exit_code
    assert result.stderr.splitlines() == ["error (malformed-input): command-line argument 4 is not valid UTF-8"]


def test_exit_codes_are_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).parent.parent.parent / "docs" / "errors.md").read_text()
    for code in EXIT_CODES - {0}:
        assert f"| {code} |" in doc, code
    for cls in ALL_ERRORS:
        assert cls.exit_code in EXIT_CODES


def test_an_interrupt_is_one_line_and_exit_130() -> None:
    result = CliRunner().invoke(_group_raising(KeyboardInterrupt()), ["boom"])
    assert result.exit_code == 130
    assert result.stderr.splitlines() == ["error (interrupted): aborted"]


def test_a_closed_pipe_is_not_an_internal_error() -> None:
    result = CliRunner().invoke(_group_raising(BrokenPipeError(32, "Broken pipe")), ["boom"])
    assert result.exit_code == 1
    assert "internal" not in result.output


@given(st.text(st.one_of(st.characters(), st.characters(categories=["Cs"]))), st.text())
def test_error_line_is_always_one_printable_line(message: str, code: str) -> None:
    line = render.error_line(code, message)
    assert len(line.splitlines()) == 1
    assert "\n" not in line and "\r" not in line
    line.encode("utf-8")  # no lone surrogates left
