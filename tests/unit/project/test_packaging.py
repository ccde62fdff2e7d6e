"""The layer ships what the functions import, pinned from uv.lock, and handlers stay light at import time."""

import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import uv
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[3]
LAYER_REQUIREMENTS = ROOT / "layers/shared/requirements.txt"
# The Lambda runtime provides boto3 and s3transfer, and nothing else in the layer needs them.
LEFT_TO_THE_RUNTIME = {"boto3", "s3transfer"}


def _layer_requirements() -> list[tuple[Requirement, int]]:
    """Each requirement of the layer's file with the number of hashes it carries."""
    text = LAYER_REQUIREMENTS.read_text(encoding="utf-8").replace("\\\n", " ")
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        spec = line.split("--hash=")[0]
        entries.append((Requirement(spec.strip()), line.count("--hash=sha256:")))
    return entries


def _without_header(text: str) -> list[str]:
    lines = text.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return lines


def test_layer_requirements_cover_the_runtime_dependencies_but_boto3() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {Requirement(line).name.lower() for line in project["dependencies"]}
    listed = {requirement.name.lower() for requirement, _ in _layer_requirements()}
    assert runtime - {"boto3"} <= listed
    assert not listed & LEFT_TO_THE_RUNTIME


def test_every_layer_requirement_is_pinned_and_hashed() -> None:
    # pip builds the layer in hash-checking mode: one loose or unhashed line and it refuses all.
    entries = _layer_requirements()
    assert len(entries) > 10
    for requirement, hash_count in entries:
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", requirement
        assert hash_count >= 1, requirement


@pytest.mark.subprocess
def test_layer_requirements_are_current_with_the_lock() -> None:
    """Re-runs the export command the committed file records; `make requirements` refreshes it."""
    committed = LAYER_REQUIREMENTS.read_text(encoding="utf-8")
    recorded = committed.splitlines()[1].removeprefix("#").strip()
    argv = shlex.split(recorded)
    assert argv[:2] == ["uv", "export"]
    output_at = argv.index("--output-file")
    del argv[output_at : output_at + 2]
    result = subprocess.run(  # noqa: S603 - uv from this environment, the command the file records
        [uv.find_uv_bin(), *argv[1:], "--offline", "--no-progress"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert _without_header(result.stdout) == _without_header(committed), "stale: run `make requirements`"


# Each needed by some routes only, so imported inside them.
ROUTE_SPECIFIC_MODULES = [
    "aws_lambda_powertools.utilities.idempotency",
    "holidays",
    "jwt",
    "tracker.logic.cases",
]


@pytest.mark.subprocess
@pytest.mark.parametrize("function", ["submit_case", "update_case", "query_cases"])
def test_handlers_import_only_what_every_route_needs(function: str) -> None:
    probe = (
        f"import sys; import functions.{function}.handler; "
        f"print(','.join(name for name in {ROUTE_SPECIFIC_MODULES!r} if name in sys.modules))"
    )
    result = subprocess.run(  # noqa: S603 - runs this interpreter on a fixed probe
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={
            "PYTHONPATH": f"{ROOT}:{ROOT / 'layers/shared'}",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "PATH": "",
        },
    )
    assert result.stdout.strip() == ""
