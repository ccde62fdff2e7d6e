"""The real layer (conftest's ``built_layer``), built as `cdk synth` builds it: from the wheelhouse
`make install` fetched, offline, hash-checked, for Lambda's platform. What it holds must be complete;
its size is one of test_deploy_rules.py's quotas.
"""

import re
from importlib.metadata import Distribution, PathDistribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra import constants, layer_wheels
from infra.constructs.layer import RUNTIME_PROVIDED

# Markers as Lambda's runtime evaluates them (python3.13 on arm64, Amazon Linux).
LAMBDA_MARKERS = {
    "python_version": constants.RUNTIME_PYTHON_VERSION,
    "python_full_version": f"{constants.RUNTIME_PYTHON_VERSION}.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


@pytest.fixture
def layer_python(built_layer: Path) -> Path:
    return built_layer / "python"


def _distributions(layer: Path) -> dict[str, Distribution]:
    return {
        canonicalize_name(dist.metadata["Name"]): dist
        for dist in (PathDistribution(info) for info in layer.glob("*.dist-info"))
    }


def _needed(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({**LAMBDA_MARKERS, "extra": extra}) for extra in extras | {""})


def test_the_layer_holds_every_package_its_code_needs(layer_python: Path) -> None:
    """Installed with --no-deps, so the closure is checked here: from the project's runtime
    dependencies (with their extras), every requirement that applies on Lambda is in the layer,
    left to the runtime, or deliberately pruned."""
    import tomllib

    project = tomllib.loads((constants.PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    present = _distributions(layer_python)
    left_out = (*RUNTIME_PROVIDED, *layer_wheels.PRUNED_FROM_LAYER)
    allowed_missing = {canonicalize_name(name) for name in left_out}
    pending = [Requirement(line) for line in project["dependencies"]]
    seen: set[tuple[str, frozenset[str]]] = set()
    missing: list[str] = []
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        if name not in present:
            if name not in allowed_missing:
                missing.append(str(requirement))
            continue
        dist = present[name]
        assert requirement.specifier.contains(dist.version, prereleases=True), (requirement, dist.version)
        for line in dist.requires or []:
            child = Requirement(line)
            if _needed(child, set(requirement.extras)):
                pending.append(child)
    assert not missing, f"needed on Lambda but not in the layer: {missing}"
    assert "tracker" in {path.name for path in layer_python.iterdir()}


def test_the_layer_leaves_out_the_runtimes_packages_and_the_pruned_ones(layer_python: Path) -> None:
    names = set(_distributions(layer_python))
    for name in (*RUNTIME_PROVIDED, *layer_wheels.PRUNED_FROM_LAYER):
        assert canonicalize_name(name) not in names
        assert not (layer_python / name).exists()


def test_no_code_in_the_layer_imports_a_pruned_package(layer_python: Path) -> None:
    for name in layer_wheels.PRUNED_FROM_LAYER:
        pattern = re.compile(rf"^\s*(import|from)\s+{name}\b", re.MULTILINE)
        users = [
            str(path.relative_to(layer_python))
            for path in layer_python.rglob("*.py")
            if pattern.search(path.read_text(encoding="utf-8", errors="replace"))
        ]
        assert not users, f"{name} is imported by {users}"


def test_compiled_extensions_are_built_for_lambdas_platform(layer_python: Path) -> None:
    extensions = list(layer_python.rglob("*.so"))
    assert any("pydantic_core" in str(path) for path in extensions)
    python_tag = "cpython-" + constants.RUNTIME_PYTHON_VERSION.replace(".", "")
    for path in extensions:
        assert "x86_64" not in path.name, path
        if python_tag.split("-")[0] in path.name:  # abi3 extensions carry no interpreter tag
            assert python_tag in path.name and "aarch64" in path.name, path
