"""The layer's local bundling command, its locked requirements, and the function code lookup
(no pip run, no network)."""

from pathlib import Path

import pytest

from infra import constants
from infra.constructs.function import function_code_path
from infra.constructs.layer import pip_command
from infra.routes import FUNCTIONS


def test_pip_resolves_wheels_for_the_lambda_platform(tmp_path: Path) -> None:
    command = pip_command(tmp_path / "python")
    joined = " ".join(command)
    assert f"--platform {constants.PIP_PLATFORM}" in joined
    assert f"--python-version {constants.RUNTIME_PYTHON_VERSION}" in joined
    assert "--only-binary=:all:" in command
    # Locked supply chain: every requirement (transitive ones too) pinned and hash-checked.
    assert "--require-hashes" in command
    assert command[command.index("--target") + 1] == str(tmp_path / "python")
    assert command[-1] == str(constants.LAYER_REQUIREMENTS)


def test_runtime_and_pip_python_agree() -> None:
    assert constants.RUNTIME.name == f"python{constants.RUNTIME_PYTHON_VERSION}"
    assert constants.ARCHITECTURE.name == "arm64"
    assert "aarch64" in constants.PIP_PLATFORM


def test_missing_function_folder_fails_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"functions/submit_case/handler.py"):
        function_code_path(tmp_path, "submit_case")


def test_every_function_folder_exists_in_the_repository() -> None:
    for name in FUNCTIONS:
        assert function_code_path(constants.FUNCTIONS_ROOT, name).is_dir()


def test_layer_requirements_are_pinned_with_hashes() -> None:
    """What --require-hashes needs: each requirement pinned with == and at least one sha256."""
    lines = constants.LAYER_REQUIREMENTS.read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    requirements = [line for line in text.replace("\\\n", " ").splitlines() if line.strip()]
    assert requirements
    for requirement in requirements:
        assert "==" in requirement.split("--hash")[0], requirement
        assert "--hash=sha256:" in requirement, requirement
