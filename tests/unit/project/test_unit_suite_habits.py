"""`make unit` is the unit suite alone: no engine, browser or child process. A unit test that needs a
child process (uv, git, a fresh interpreter) says so with @pytest.mark.subprocess, and a measurement at
scale (a response filled to Lambda's 6 MiB limit) with @pytest.mark.slow; `make unit` leaves those out,
on every core, and `make test` runs them all."""

import os
import subprocess
import sys
from pathlib import Path

import boto3
import hypothesis
import pytest

from tests.support.make_targets import commands_of

PROJECT_PYTEST = ".venv/bin/pytest"
# Its parameters include the sets of fields each caller may change, named by their members.
SET_PARAMETRIZED = "tests/unit/access/test_access_policy.py"


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
def test_make_unit_runs_the_unit_tests_without_the_marked_ones_on_every_core() -> None:
    (command,) = _project_pytest_commands("unit")
    marker_at = command.index("-m")
    assert command[marker_at + 1] == "not subprocess and not slow"
    del command[marker_at : marker_at + 2]
    assert "--numprocesses=auto" in command
    assert _positional(command[1:]) == ["tests/unit"]


@pytest.mark.subprocess
def test_make_test_runs_every_test_marked_or_not() -> None:
    (command,) = _project_pytest_commands("test")
    assert "-m" not in command
    assert _positional(command[1:]) == []  # pyproject.toml's testpaths: every suite


@pytest.mark.subprocess
def test_workers_with_their_own_hash_seeds_collect_the_same_tests() -> None:
    """`make unit`'s workers (pytest-xdist) are fresh interpreters: parameters named from a set must
    get the same names in each, or pytest-xdist refuses the run."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONHASHSEED"}
    run = subprocess.run(  # noqa: S603 - this interpreter's pytest on a file of this repository
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", SET_PARAMETRIZED],
        capture_output=True,
        text=True,
        env=environment,
    )
    assert "Different tests were collected" not in run.stdout
    assert run.returncode == 0, run.stdout[-2000:]


def test_the_unit_tests_boto3_sessions_share_one_loader_of_the_service_models() -> None:
    """tests/unit/conftest.py: each test's fresh clients parse botocore's JSON models once a process."""
    first = boto3.session.Session()._session.get_component("data_loader")
    second = boto3.session.Session()._session.get_component("data_loader")
    assert first is second


def test_property_examples_are_the_same_every_run_exactly_when_asked() -> None:
    """tests/conftest.py loads the reproducible profile for `make test`, and only then."""
    asked = os.environ.get("SCRT_REPRODUCIBLE_PROPERTIES") == "1"
    assert hypothesis.settings().derandomize is asked
    assert (hypothesis.settings().database is None) is asked


def test_make_test_asks_for_the_same_property_examples_every_run() -> None:
    makefile = (Path(__file__).parents[3] / "Makefile").read_text()
    assert "\ntest: export SCRT_REPRODUCIBLE_PROPERTIES := 1\n" in makefile
    assert "SCRT_REPRODUCIBLE_PROPERTIES" not in makefile.split("\nunit:", 1)[1].split("\n\n", 1)[0]
