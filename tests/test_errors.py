"""The error hierarchy: one root, stable codes, distinct exit codes, user-facing diagnostics."""

from __future__ import annotations

from zkmed import errors


def test_every_error_derives_from_the_root() -> None:
    for cls in errors.ALL_ERRORS:
        assert issubclass(cls, errors.ZkmedError)


def test_codes_are_unique() -> None:
    codes = [cls.code for cls in errors.ALL_ERRORS]
    assert len(codes) == len(set(codes))


def test_malformed_input_is_a_value_error() -> None:
    assert issubclass(errors.MalformedInput, ValueError)
    assert issubclass(errors.UnsupportedVersion, errors.MalformedInput)


def test_fork_is_a_verification_failure_with_evidence() -> None:
    exc = errors.ForkDetected("two blocks at height 3", evidence=(b"a", b"b"), where="height 3")
    assert isinstance(exc, errors.VerificationError)
    assert exc.evidence == (b"a", b"b")
    assert exc.diagnostic() == "two blocks at height 3 (at height 3)"


def test_diagnostic_without_place() -> None:
    assert errors.VerificationError("bad proof").diagnostic() == "bad proof"
    assert errors.VerificationError("bad proof").exit_code != errors.ZkmedError("x").exit_code


def test_exit_codes_leave_room_for_the_cli_own_codes() -> None:
    # 0 success, 64 usage, 70 internal, 130 interrupted belong to the command line (docs/errors.md)
    for cls in errors.ALL_ERRORS:
        assert 1 <= cls.exit_code <= 63, cls
    by_code: dict[int, set[str]] = {}
    for cls in errors.ALL_ERRORS:
        by_code.setdefault(cls.exit_code, set()).add(cls.__name__)
    # only a subclass may share its parent's exit code
    assert by_code[4] == {"MalformedInput", "UnsupportedVersion"}
    assert all(len(names) == 1 for code, names in by_code.items() if code != 4)
