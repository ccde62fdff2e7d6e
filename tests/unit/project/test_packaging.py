"""The layer ships what the functions import, and handlers stay light at import time."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[3]


def _names(requirements: list[str]) -> set[str]:
    return {Requirement(line).name.lower() for line in requirements}


def test_layer_requirements_match_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    layer_lines = [
        line.strip()
        for line in (ROOT / "layers/shared/requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    # boto3 is provided by the Lambda runtime, so the layer leaves it out.
    assert _names(layer_lines) == _names(project["dependencies"]) - {"boto3"}


# Each needed by some routes only, so imported inside them.
ROUTE_SPECIFIC_MODULES = [
    "aws_lambda_powertools.utilities.idempotency",
    "holidays",
    "jwt",
    "tracker.logic.cases",
]


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
