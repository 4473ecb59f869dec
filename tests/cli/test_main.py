"""The CLI shell: help, version, info, and the single ZkmedError → message + exit code handler."""

from __future__ import annotations

import click
from click.testing import CliRunner

import zkmed
from zkmed.cli.main import ZkmedGroup, main
from zkmed.errors import MalformedInput, VerificationError


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
    def root() -> None:
        pass

    @root.command()
    def boom() -> None:
        raise exc

    return root


def test_zkmed_errors_become_one_line_and_exit_code() -> None:
    result = CliRunner().invoke(_group_raising(VerificationError("proof rejected", where="ballot 7")), ["boom"])
    assert result.exit_code == VerificationError.exit_code
    assert "Traceback" not in result.output
    assert "verification-failed" in result.output
    assert "proof rejected (at ballot 7)" in result.output


def test_malformed_input_exit_code() -> None:
    result = CliRunner().invoke(_group_raising(MalformedInput("bad hex")), ["boom"])
    assert result.exit_code == MalformedInput.exit_code
    assert "bad hex" in result.output


def test_other_exceptions_are_not_swallowed() -> None:
    result = CliRunner().invoke(_group_raising(RuntimeError("bug")), ["boom"])
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
