"""Helpers of the infra tests: a synthesized app's templates, its cdk-nag findings, and a small
evaluator for the template's intrinsic values and IAM condition operators.

The app is synthesized once per session (see conftest.py): without layer bundling and with stub function code.

``aws:cdk:bundling-stacks = []`` is CDK's own switch to skip bundling (the layer asset is then the
source folder, unbundled); ``tracker:functionsRoot`` points every function at a one-line handler,
so the tests need neither pip, nor network, nor the real functions.
"""

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

from infra import constants

# What the template's pseudo parameters stand for in the tests (a made-up account).
ACCOUNT = "111122223333"
PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": constants.REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}


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

    def one(self, stack_id: str, resource_type: str, construct_path: str) -> tuple[str, dict[str, Any]]:
        """The one resource of this type whose logical id is the construct path plus CDK's hash."""
        prefix = construct_path.replace("/", "")
        pattern = re.compile(rf"^{re.escape(prefix)}[0-9A-F]{{8}}$")
        (match,) = [
            (logical_id, resource)
            for logical_id, resource in self.resources(stack_id, resource_type).items()
            if pattern.match(logical_id)
        ]
        return match

    def export_source(self, export_name: str) -> dict[str, Any]:
        """The value (in the stack that exports it) behind an Fn::ImportValue."""
        for template in self.templates.values():
            for output in template.get("Outputs", {}).values():
                if output.get("Export", {}).get("Name") == export_name:
                    value: dict[str, Any] = output["Value"]
                    return value
        raise KeyError(export_name)

    def logical_id_of(self, value: Any) -> str:
        """The logical id a Ref, GetAtt or (through the exporting stack) ImportValue points at."""
        if isinstance(value, dict) and "Fn::ImportValue" in value:
            return self.logical_id_of(self.export_source(value["Fn::ImportValue"]))
        if isinstance(value, dict) and "Ref" in value:
            return str(value["Ref"])
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
        raise ValueError(f"not a reference: {value!r}")


def resolve(value: Any, refs: Mapping[str, str] | None = None) -> Any:
    """A template value with pseudo parameters and references made concrete strings.

    A reference to a resource becomes ``<logical id>`` (or ``refs[logical id]``), a GetAtt
    ``<logical id>.<attribute>``: enough to compare ARNs with condition patterns. ``Fn::Sub``,
    ``Fn::Split`` and ``Fn::Select`` are evaluated; ``Fn::ImportValue`` looks its export name up
    in ``refs`` (``aws_policy.Deployed`` puts every export's value there)."""
    refs = refs or {}
    if isinstance(value, list):
        return [resolve(item, refs) for item in value]
    if not isinstance(value, dict):
        return value
    if "Ref" in value:
        name = value["Ref"]
        return PSEUDO.get(name) or refs.get(name) or f"<{name}>"
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return refs.get(f"{logical_id}.{attribute}") or f"<{logical_id}.{attribute}>"
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(str(resolve(part, refs)) for part in parts)
    if "Fn::ImportValue" in value:
        name = resolve(value["Fn::ImportValue"], refs)
        return refs.get(name) or f"<import:{name}>"
    if "Fn::Sub" in value:
        text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
        local = {name: str(resolve(item, refs)) for name, item in variables.items()}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in local:
                return local[name]
            if "." in name and name not in PSEUDO:
                return str(resolve({"Fn::GetAtt": name.split(".", 1)}, refs))
            return str(resolve({"Ref": name}, refs))

        return re.sub(r"\$\{([^!}][^}]*)\}", substitute, text)
    if "Fn::Split" in value:
        separator, source = value["Fn::Split"]
        return str(resolve(source, refs)).split(separator)
    if "Fn::Select" in value:
        index, items = value["Fn::Select"]
        selected = resolve(items, refs)
        # Without the values behind a reference, a split may be too short: left as written.
        return selected[int(index)] if int(index) < len(selected) else {"Fn::Select": [index, selected]}
    return {key: resolve(item, refs) for key, item in value.items()}


def _wildcard(pattern: str) -> re.Pattern[str]:
    """IAM's wildcards: * any run of characters, ? any one character; nothing else is special."""
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z"
    )


def string_like(pattern: str, value: str) -> bool:
    return _wildcard(pattern).match(value) is not None


def arn_like(pattern: str, value: str) -> bool:
    """ArnLike compares the six colon-separated parts one by one; the last part keeps its colons."""
    pattern_parts, value_parts = pattern.split(":", 5), value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return False
    return all(string_like(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


OPERATORS = {
    "StringEquals": lambda pattern, value: pattern == value,
    "StringLike": string_like,
    "ArnEquals": lambda pattern, value: pattern == value,
    "ArnLike": arn_like,
}


def conditions_hold(conditions: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]) -> bool:
    """Every operator, every key: the request's value matches one of the condition's values.

    A key the request does not carry fails the condition, as IAM's non-IfExists operators do;
    an operator this evaluator does not know fails too, so a test never passes by ignorance."""
    for operator, keys in conditions.items():
        if operator not in OPERATORS:
            return False
        for key, expected in keys.items():
            if key not in context:
                return False
            patterns = expected if isinstance(expected, list) else [expected]
            if not any(OPERATORS[operator](str(pattern), context[key]) for pattern in patterns):
                return False
    return True


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def action_covered(granted: Iterable[str], action: str) -> bool:
    return any(string_like(pattern.lower(), action.lower()) for pattern in granted)


def service_may(policy: Mapping[str, Any], service: str, action: str, context: Mapping[str, str]) -> bool:
    """Whether an Allow statement of this resource policy lets ``service`` (a service principal)
    perform ``action`` with this request context. The policy is already ``resolve``d."""
    for statement in policy["Statement"]:
        if statement["Effect"] != "Allow":
            continue
        principals = _as_list(statement.get("Principal", {}).get("Service", []))
        if service not in principals:
            continue
        if not action_covered(_as_list(statement["Action"]), action):
            continue
        if conditions_hold(statement.get("Condition", {}), context):
            return True
    return False


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


def statements_of_role(template: Mapping[str, Any], role_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"]["Roles"]
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def actions_of(statement: Mapping[str, Any]) -> set[str]:
    return set(_as_list(statement["Action"]))
