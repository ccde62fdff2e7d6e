"""`make lint` holds every function to the complexity of today's worst (pyproject.toml's ruff settings):
a function at a limit passes, one a step beyond it fails, whatever folder it is in."""

import json
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from ruff.__main__ import find_ruff_bin

ROOT = Path(__file__).resolve().parents[3]
RUFF_LINT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]


def _complexity(size: int) -> str:
    """A function of McCabe complexity `size`: one path, and one more per `if`."""
    checks = "".join(f"    if value == {n}:\n        total += {n}\n" for n in range(size - 1))
    return f"def probe(value: int) -> int:\n    total = 0\n{checks}    return total\n"


def _returns(size: int) -> str:
    checks = "".join(f"    if value == {n}:\n        return {n}\n" for n in range(size - 1))
    return f"def probe(value: int) -> int:\n{checks}    return -1\n"


def _branches(size: int) -> str:
    checks = "".join(f"    if value == {n}:\n        total += {n}\n" for n in range(size))
    return f"def probe(value: int) -> int:\n    total = 0\n{checks}    return total\n"


def _arguments(size: int) -> str:
    names = [f"arg{n}" for n in range(size)]
    return f"def probe({', '.join(names)}):\n    return [{', '.join(names)}]\n"


def _statements(size: int) -> str:
    lines = "".join(f"    value{n} = {n}\n" for n in range(size))
    return f"def probe() -> None:\n{lines}"


GATES: dict[str, tuple[Callable[[], int], Callable[[int], str]]] = {
    "C901": (lambda: RUFF_LINT["mccabe"]["max-complexity"], _complexity),
    "PLR0911": (lambda: RUFF_LINT["pylint"]["max-returns"], _returns),
    "PLR0912": (lambda: RUFF_LINT["pylint"]["max-branches"], _branches),
    "PLR0913": (lambda: RUFF_LINT["pylint"]["max-args"], _arguments),
    "PLR0915": (lambda: RUFF_LINT["pylint"]["max-statements"], _statements),
}


def _findings(source: str, as_file: str) -> set[str]:
    """The rule codes ruff reports for `source` as the file `as_file`, with the project's settings."""
    result = subprocess.run(  # noqa: S603 - this environment's ruff on generated source
        [find_ruff_bin(), "check", "--no-cache", "--output-format", "json", "--stdin-filename", as_file, "-"],
        cwd=ROOT,
        input=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr  # 1: findings, anything else: ruff failed
    return {finding["code"] for finding in json.loads(result.stdout)}


@pytest.mark.subprocess
@pytest.mark.parametrize("as_file", ["layers/shared/tracker/probe.py", "tests/unit/probe.py"])
@pytest.mark.parametrize("code", sorted(GATES))
def test_a_function_at_the_limit_passes_and_one_beyond_it_fails(code: str, as_file: str) -> None:
    limit, probe_of_size = GATES[code]
    assert code not in _findings(probe_of_size(limit()), as_file)
    assert code in _findings(probe_of_size(limit() + 1), as_file)
