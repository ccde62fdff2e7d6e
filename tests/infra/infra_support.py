"""Helpers of the infra tests: a synthesized app's templates and its cdk-nag findings.

The app is synthesized once per session (see conftest.py): without layer bundling and with stub function code.

``aws:cdk:bundling-stacks = []`` is CDK's own switch to skip bundling (the layer asset is then the
source folder, unbundled); ``tracker:functionsRoot`` points every function at a one-line handler,
so the tests need neither pip, nor network, nor the real functions.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template


@dataclass(frozen=True)
class Synthesized:
    outdir: Path
    templates: dict[str, dict[str, Any]]
    findings: list[dict[str, str]]

    def template(self, stack_id: str) -> Template:
        return Template.from_json(self.templates[stack_id])

    def resources(self, stack_id: str, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.templates[stack_id]["Resources"].items()
            if resource["Type"] == resource_type
        }


def read_findings(outdir: Path) -> list[dict[str, str]]:
    """Every cdk-nag finding (any pack, any severity) in the policy validation report."""
    report_path = outdir / "validation-report.json"
    if not report_path.exists():
        return []
    report = json.loads(report_path.read_text())
    return [
        {
            "pack": plugin["pluginName"],
            "rule": violation["ruleName"],
            "severity": violation["severity"],
            "path": construct["constructPath"],
        }
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]


def synthesize(app_builder: Any, outdir: Path, context: dict[str, Any]) -> list[dict[str, str]]:
    """Synthesize into ``outdir``; a policy validation failure is returned as findings, not raised."""
    app = app_builder(context=context, outdir=str(outdir))
    try:
        app.synth()
    except RuntimeError:
        # A policy validation failure leaves its report behind; anything else is a real error.
        if not (outdir / "validation-report.json").exists():
            raise
    return read_findings(outdir)
