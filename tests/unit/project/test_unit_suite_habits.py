"""`make unit` is the unit suite alone: no engine, browser or child process. A unit test that needs a
child process (uv, git, a fresh interpreter) says so with @pytest.mark.subprocess; `make unit` leaves
those out and `make test` runs them."""

import subprocess
import sys

import pytest

from tests.support.make_targets import commands_of

PROJECT_PYTEST = ".venv/bin/pytest"


def test_an_unmarked_unit_test_cannot_start_a_child_process() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"@pytest\.mark\.subprocess"):
        subprocess.run([sys.executable, "-c", "pass"], check=True)


@pytest.mark.subprocess
def test_a_marked_unit_test_may_start_one() -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import sys; print(sys.argv[1])", "child ran"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert child.stdout == "child ran\n"


def _project_pytest_commands(target: str) -> list[list[str]]:
    return [command for command in commands_of(target) if command[0] == PROJECT_PYTEST]


def _positional(argv: list[str]) -> list[str]:
    return [arg for arg in argv if not arg.startswith("-")]


@pytest.mark.subprocess
def test_make_unit_runs_the_unit_tests_without_the_marked_ones() -> None:
    (command,) = _project_pytest_commands("unit")
    marker_at = command.index("-m")
    assert command[marker_at + 1] == "not subprocess"
    del command[marker_at : marker_at + 2]
    assert _positional(command[1:]) == ["tests/unit"]


@pytest.mark.subprocess
def test_make_test_runs_every_test_marked_or_not() -> None:
    (command,) = _project_pytest_commands("test")
    assert "-m" not in command
    assert _positional(command[1:]) == []  # pyproject.toml's testpaths: every suite
