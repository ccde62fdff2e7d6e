"""The layer's local bundling commands, its asset hash, its locked requirements, and the function
code lookup (no pip run, no network: tests/infra/test_infra_layer_build.py builds the real layer)."""

import json
from pathlib import Path

import pytest

from infra import constants, layer_wheels
from infra.constructs.function import function_code_path
from infra.constructs.layer import SharedLayer, build_layer
from infra.routes import FUNCTIONS


def test_synth_installs_only_from_the_fetched_wheelhouse(tmp_path: Path) -> None:
    command = layer_wheels.install_command(tmp_path / "python", tmp_path / "wheels")
    joined = " ".join(command)
    assert f"--platform {constants.PIP_PLATFORM}" in joined
    assert f"--python-version {constants.RUNTIME_PYTHON_VERSION}" in joined
    assert "--only-binary=:all:" in command
    # Locked supply chain: every requirement (transitive ones too) pinned and hash-checked.
    assert "--require-hashes" in command
    # Offline: no index, only the folder `make install` filled.
    assert "--no-index" in command
    assert command[command.index("--find-links") + 1] == str(tmp_path / "wheels")
    assert command[command.index("--target") + 1] == str(tmp_path / "python")
    assert command[-1] == str(constants.LAYER_REQUIREMENTS)


def test_the_download_selects_the_same_files_as_the_install(tmp_path: Path) -> None:
    download = layer_wheels.download_command(tmp_path)
    install = layer_wheels.install_command(tmp_path / "python", tmp_path)
    for flag in layer_wheels.SELECTION_FLAGS:
        assert flag in download
        assert flag in install
    assert "--no-index" not in download


def test_a_synth_without_fetched_wheels_says_how_to_fix_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layer_wheels, "WHEELHOUSE", tmp_path / "never-fetched")
    with pytest.raises(layer_wheels.WheelhouseMissing, match="make install"):
        build_layer(tmp_path / "out")
    assert not (tmp_path / "out" / "python").exists()


def _layer_asset_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: tuple[str, ...]) -> str:
    """The layer's S3 key (its asset hash) in a stack holding only the layer, bundled by a stub."""
    from aws_cdk import App, Stack

    def fake_install(target: Path, wheelhouse: Path | None = None) -> None:
        target.mkdir(parents=True)
        (target / "installed.txt").write_text(" ".join(flags))

    # A fixed source folder, so only the build options can move the hash.
    source = tmp_path.parent / "fixed-layer-source"
    (source / constants.LAYER_PACKAGE).mkdir(parents=True, exist_ok=True)
    (source / constants.LAYER_PACKAGE / "__init__.py").write_text('"""Fixed."""\n')
    monkeypatch.setattr(constants, "LAYER_SOURCE", source)
    monkeypatch.setattr(layer_wheels, "SELECTION_FLAGS", flags)
    monkeypatch.setattr(layer_wheels, "install", fake_install)
    outdir = tmp_path / "-".join(flag.strip("-=:") for flag in flags)
    app = App(outdir=str(outdir))
    stack = Stack(app, "LayerOnly")
    SharedLayer(stack, "Shared")
    app.synth()
    template = json.loads((outdir / "LayerOnly.template.json").read_text())
    (layer,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::LayerVersion"]
    return str(layer["Properties"]["Content"]["S3Key"])


def test_a_changed_pip_flag_changes_the_layer_asset_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So `cdk.out` can never hand back a bundle built with other flags."""
    flags = layer_wheels.SELECTION_FLAGS
    first = _layer_asset_key(tmp_path, monkeypatch, flags)
    again = _layer_asset_key(tmp_path / "again", monkeypatch, flags)  # another copy of the source
    other = _layer_asset_key(tmp_path, monkeypatch, (*flags, "--no-binary=:none:"))
    assert first == again
    assert other != first


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
