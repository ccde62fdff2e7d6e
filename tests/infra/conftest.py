"""The session's one synthesis of the app (see infra_support.py for why bundling is skipped)."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra import constants
from infra.routes import FUNCTIONS
from tests.infra.aws_policy import Deployed
from tests.infra.infra_support import Synthesized, synthesize

STACKS = (constants.ACCOUNT_SETUP_STACK_ID, constants.STATEFUL_STACK_ID, constants.STATELESS_STACK_ID)


@pytest.fixture(scope="session")
def stub_functions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("functions")
    for name in FUNCTIONS:
        (root / name).mkdir()
        (root / name / "handler.py").write_text("def lambda_handler(event, context):\n    return None\n")
    return root


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory, stub_functions: Path) -> Iterator[Synthesized]:
    from infra.app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    findings = synthesize(
        build_app,
        outdir,
        {"aws:cdk:bundling-stacks": [], constants.CONTEXT_FUNCTIONS_ROOT: str(stub_functions)},
    )
    templates = {
        stack_id: json.loads((outdir / f"{stack_id}.template.json").read_text()) for stack_id in STACKS
    }
    yield Synthesized(outdir=outdir, templates=templates, findings=findings)


@pytest.fixture(scope="session")
def deployed(synthesized: Synthesized) -> Deployed:
    """The templates with every reference made the value AWS would return (names, ARNs)."""
    return Deployed(synthesized)


@pytest.fixture(scope="session")
def built_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real layer (``python/…``), as ``cdk synth`` builds it: offline from the wheels that
    ``make install`` fetches, in about ten seconds, once a session."""
    from infra import layer_wheels
    from infra.constructs.layer import build_layer

    if not layer_wheels.is_fetched(layer_wheels.WHEELHOUSE):
        pytest.fail("The layer's wheels are missing: run `make install` (it fetches them).")
    out = tmp_path_factory.mktemp("layer")
    build_layer(out)
    return out
