"""The commands a make target would run, read from `make -n` (which prints them and runs none)."""

import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def commands_of(target: str) -> list[list[str]]:
    """Each command of `target` and its prerequisites, in order, split into arguments."""
    printed = subprocess.run(  # noqa: S603 - make's own dry run of a fixed target
        ["make", "-n", "--no-print-directory", target],  # noqa: S607 - make from PATH, as developers run it
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("\\\n", " ")  # a recipe line continued with a backslash is one command
    return [shlex.split(line) for line in printed.splitlines() if line.strip()]
