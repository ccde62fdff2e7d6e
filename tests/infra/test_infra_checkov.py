"""checkov over the synthesized templates: every finding is acknowledged, every acknowledgement
is a finding.

checkov runs on copies of the templates with the acknowledgements (``Metadata.checkov``) taken
out, so its failures are the raw findings: they must be exactly the (template, resource, check)
triples that ``infra.checkov`` acknowledges, each with its reason. checkov 3 runs offline here
(``--skip-download``). It is found as ``$CHECKOV``, else ``.venv-tools/bin/checkov`` (its own locked
environment, made by ``make install``), else ``.venv/bin/checkov``, else on PATH; the test is
skipped, saying so, when none is installed.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra import constants
from infra.checkov import LAMBDA_OUTSIDE_VPC, REASONS
from infra.constructs.function import construct_id
from tests.infra.infra_support import Synthesized
from tests.infra.test_infra_functions import FEATURE_OF, function_of
from tracker import settings

Finding = tuple[str, str, str]  # template, logical id, check id


def checkov_executable() -> str | None:
    configured = os.environ.get("CHECKOV")
    if configured:
        return configured
    for venv in (".venv-tools", ".venv"):
        candidate = constants.PROJECT_ROOT / venv / "bin" / "checkov"
        if candidate.exists():
            return str(candidate)
    return shutil.which("checkov")


def _acknowledged(synthesized: Synthesized) -> set[Finding]:
    found: set[Finding] = set()
    for stack_id, template in synthesized.templates.items():
        for logical_id, resource in template["Resources"].items():
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
                assert skip["comment"] == REASONS[skip["id"]], (logical_id, skip["id"])
                found.add((stack_id, logical_id, skip["id"]))
    return found


def _without_acknowledgements(template: dict[str, Any]) -> dict[str, Any]:
    stripped = json.loads(json.dumps(template))
    for resource in stripped["Resources"].values():
        resource.get("Metadata", {}).pop("checkov", None)
    return stripped


@pytest.fixture(scope="module")
def raw_findings(synthesized: Synthesized, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    executable = checkov_executable()
    if executable is None:
        pytest.skip("checkov is not installed (pip install checkov, or set CHECKOV to its path)")
    folder = tmp_path_factory.mktemp("checkov")
    files = []
    for stack_id, template in synthesized.templates.items():
        path = folder / f"{stack_id}.template.json"
        path.write_text(json.dumps(_without_acknowledgements(template)))
        files += ["-f", str(path)]
    completed = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [
            executable,
            *files,
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--quiet",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    # checkov exits 1 when a check fails; anything else (or no JSON) is a broken run.
    assert completed.returncode in {0, 1}, completed.stderr[-2000:]
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def test_checkov_findings_are_exactly_the_acknowledged_ones(
    synthesized: Synthesized, raw_findings: dict[str, Any]
) -> None:
    failed: set[Finding] = {
        (
            Path(check["file_path"]).name.removesuffix(".template.json"),
            check["resource"].split(".", 1)[1],
            check["check_id"],
        )
        for check in raw_findings["results"]["failed_checks"]
    }
    acknowledged = _acknowledged(synthesized)
    assert sorted(failed - acknowledged) == [], "findings without an acknowledgement in infra/checkov.py"
    assert sorted(acknowledged - failed) == [], "acknowledgements of checks that no longer fail"
    assert raw_findings["summary"]["passed"] > 0


def test_every_reason_is_used_and_written(synthesized: Synthesized) -> None:
    used = {check_id for _, _, check_id in _acknowledged(synthesized)}
    assert used == set(REASONS)
    assert all(len(reason) > 40 for reason in REASONS.values())


# Settings that mean a function calls a service outside AWS: the identity provider (JWKS, OpenID
# Connect discovery and token endpoints) and GOV.UK Notify.
INTERNET_SETTINGS = (settings.JWKS_URL, settings.WEB_OIDC_DISCOVERY_URL, settings.NOTIFY_API_KEY_SECRET_ARN)


def test_the_no_vpc_reason_names_every_function_that_reaches_the_internet(synthesized: Synthesized) -> None:
    """Outside a VPC, egress is open: the reason must say which functions use it and for what."""
    reaching = {
        name
        for name in FEATURE_OF
        if set(INTERNET_SETTINGS)
        & set(function_of(synthesized, name)[1]["Properties"]["Environment"]["Variables"])
    }
    assert reaching == {"authorizer", "web_app", "send_reminders"}
    reason = REASONS[LAMBDA_OUTSIDE_VPC]
    assert {name for name in FEATURE_OF if f"`{name}`" in reason} == reaching
    assert "GOV.UK Notify" in reason and "identity provider" in reason
    # cdk-nag's HIPAA and NIST findings on the same fact carry the same words.
    for name in FEATURE_OF:
        stack_id, feature = FEATURE_OF[name]
        metadata = json.loads((synthesized.outdir / f"{stack_id}.metadata.json").read_text())
        entries = metadata[f"/{stack_id}/{feature}/{construct_id(name)}/Function"]
        acknowledged = {
            rule.removeprefix("Annotation::"): text
            for entry in entries
            if entry["type"] == "aws:cdk:acknowledged-rules"
            for rule, text in entry["data"].items()
        }
        assert acknowledged["HIPAA.Security-LambdaInsideVPC"] == reason, name
        assert acknowledged["NIST.800.53.R5-LambdaInsideVPC"] == reason, name
