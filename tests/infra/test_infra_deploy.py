"""Deploying, destroying and redeploying: what could make a deployment fail or collide, the
per-deployment configuration, and what docs/deploy.md must state."""

import fnmatch
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from aws_cdk import App

from infra import constants, deployment
from tests.infra.infra_support import Synthesized, resolve

SERVICE = constants.STATELESS_STACK_ID
DATA = constants.STATEFUL_STACK_ID
ACCOUNT_SETUP = constants.ACCOUNT_SETUP_STACK_ID
DEPLOY_DOC = constants.PROJECT_ROOT / "docs" / "deploy.md"
# Properties that name a resource (two copies with the same name collide, in one account).
NAME_PROPERTIES = (
    "LogGroupName",
    "BucketName",
    "TableName",
    "QueueName",
    "TopicName",
    "RoleName",
    "FunctionName",
    "Name",
    "SecretName",
    "AlarmName",
    "DashboardName",
    "BackupVaultName",
)


# Names nested in a property (Glue's inputs): (property, key).
NESTED_NAME_PROPERTIES = (("DatabaseInput", "Name"), ("TableInput", "Name"))
FIXED_NAMES_HEADING = "## Fixed names"


def _is_fixed(value: Any, template: dict[str, Any]) -> bool:
    """A name is fixed unless it is built from something this stack creates (a Ref or GetAtt of
    one of its own resources): pseudo parameters and literals are the same on every deploy."""
    text = json.dumps(value)
    own = [logical_id for logical_id in template["Resources"] if f'"{logical_id}"' in text]
    return not own


def test_stateless_stack_holds_no_retained_resource_with_a_fixed_name(synthesized: Synthesized) -> None:
    """Destroying ScrtService leaves retained resources behind; one with a fixed name would make
    the next deploy fail with "already exists"."""
    template = synthesized.templates[SERVICE]
    retained = {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if "Retain" in {resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")}
    }
    assert retained  # the log groups are retained on purpose
    fixed = [
        f"{logical_id}.{name}"
        for logical_id, resource in retained.items()
        for name in NAME_PROPERTIES
        if name in resource.get("Properties", {}) and _is_fixed(resource["Properties"][name], template)
    ]
    assert fixed == []


def test_account_wide_settings_live_only_in_the_account_setup_stack(synthesized: Synthesized) -> None:
    for stack_id in (SERVICE, DATA):
        assert synthesized.resources(stack_id, "AWS::ApiGateway::Account") == {}, stack_id
    (account,) = synthesized.resources(ACCOUNT_SETUP, "AWS::ApiGateway::Account").values()
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    role = synthesized.templates[ACCOUNT_SETUP]["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "apigateway.amazonaws.com"
    }
    (api,) = synthesized.resources(SERVICE, "AWS::ApiGateway::RestApi").values()
    assert "CloudWatchRoleArn" not in json.dumps(synthesized.templates[SERVICE])
    assert api["Properties"]["Name"] == constants.API_NAME


def test_the_stateless_stack_reads_like_the_architecture(synthesized: Synthesized) -> None:
    """Its top-level constructs are the features (and the layer they share), not AWS services."""
    tree = json.loads((synthesized.outdir / "tree.json").read_text())
    children = set(tree["tree"]["children"][SERVICE]["children"])
    features = {"SharedLayer", "Monitoring", "CaseApi", "Reminders", "Reporting", "ReadAudit"}
    assert features <= children
    cloudformation_only = {
        "CDKMetadata",
        "BootstrapVersion",
        "CheckBootstrapVersion",
        "ApiUrl",
        "WebAppUrl",
        "AlarmTopicArn",
    }
    parameters = set(synthesized.templates[SERVICE]["Parameters"])
    assert children - features - cloudformation_only - parameters == set()


def test_reserved_concurrency_is_configuration(synthesized: Synthesized) -> None:
    config = deployment.from_context(App().node)
    assert dict(config.reserved_concurrency) == constants.RESERVED_CONCURRENCY
    reserved = [
        function["Properties"]["ReservedConcurrentExecutions"]
        for stack_id in (SERVICE, DATA)
        for function in synthesized.resources(stack_id, "AWS::Lambda::Function").values()
    ]
    assert sum(reserved) == config.total_reserved_concurrency
    overridden = deployment.from_context(
        App(context={constants.CONTEXT_RESERVED_CONCURRENCY: '{"query_cases": 60}'}).node
    )
    assert overridden.reserved_concurrency["query_cases"] == 60
    assert overridden.account_concurrency_needed == config.account_concurrency_needed + 20


@pytest.mark.parametrize(
    "value", ['{"no_such_function": 1}', '{"query_cases": 0}', '{"query_cases": "many"}', "[1]"]
)
def test_bad_reserved_concurrency_stops_the_synth(value: str) -> None:
    with pytest.raises(deployment.DeploymentConfigError, match=constants.CONTEXT_RESERVED_CONCURRENCY):
        deployment.from_context(App(context={constants.CONTEXT_RESERVED_CONCURRENCY: value}).node)


def test_sar_completion_months_is_configuration_checked_by_the_settings_model() -> None:
    assert deployment.from_context(App().node).sar_completion_months == constants.SAR_COMPLETION_MONTHS == 6
    months = deployment.from_context(App(context={constants.CONTEXT_SAR_COMPLETION_MONTHS: "9"}).node)
    assert months.sar_completion_months == 9
    with pytest.raises(deployment.DeploymentConfigError, match=constants.CONTEXT_SAR_COMPLETION_MONTHS):
        deployment.from_context(App(context={constants.CONTEXT_SAR_COMPLETION_MONTHS: "0"}).node)


def test_table_indexes_default_to_all_and_an_older_table_gains_them_one_at_a_time(
    synthesized: Synthesized,
) -> None:
    from tracker.dal import schema

    assert deployment.from_context(App().node).table_indexes == schema.INDEXES
    _, table = synthesized.one(constants.STATEFUL_STACK_ID, "AWS::DynamoDB::GlobalTable", "Data/CasesTable")
    names = [index["IndexName"] for index in table["Properties"]["GlobalSecondaryIndexes"]]
    assert names == [index.name for index in schema.INDEXES]
    first_two = deployment.from_context(App(context={constants.CONTEXT_TABLE_INDEXES: "2"}).node)
    assert first_two.table_indexes == schema.INDEXES[:2]
    for bad in ("0", str(len(schema.INDEXES) + 1), "all"):
        with pytest.raises(deployment.DeploymentConfigError, match=constants.CONTEXT_TABLE_INDEXES):
            deployment.from_context(App(context={constants.CONTEXT_TABLE_INDEXES: bad}).node)
    assert constants.CONTEXT_TABLE_INDEXES in DEPLOY_DOC.read_text()


def test_deploy_doc_states_the_concurrency_quota_the_defaults_need() -> None:
    needed = deployment.from_context(App().node).account_concurrency_needed
    text = DEPLOY_DOC.read_text()
    assert re.search(rf"\*\*{needed}\*\*", text), f"docs/deploy.md should state {needed}"
    for name, count in constants.RESERVED_CONCURRENCY.items():
        assert re.search(rf"`{name}` \| {count} \|", text), name


def test_deploy_doc_lists_every_cross_stack_import(synthesized: Synthesized) -> None:
    """An import blocks replacing what it names: each is documented with how to change it."""
    imports = set(re.findall(r'"Fn::ImportValue": "([^"]+)"', json.dumps(synthesized.templates[SERVICE])))
    assert imports
    text = DEPLOY_DOC.read_text()
    assert sorted(name for name in imports if f"`{name}`" not in text) == []
    assert "export_value" in text


def test_deploy_doc_names_the_retention_source_and_figure() -> None:
    text = DEPLOY_DOC.read_text()
    assert "Records Management Code of Practice" in text
    assert f"{constants.AUDIT_TRAIL_RETENTION_DAYS:,}" in text


def _names(resource: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    properties = resource.get("Properties", {})
    for name in NAME_PROPERTIES:
        if name in properties:
            yield name, properties[name]
    for outer, inner in NESTED_NAME_PROPERTIES:
        if inner in properties.get(outer, {}):
            yield f"{outer}.{inner}", properties[outer][inner]


def _literal_names(synthesized: Synthesized) -> list[tuple[str, str, str, str]]:
    """(stack, logical id, resource type, name) of every name that is the same on every deploy."""
    return [
        (stack_id, logical_id, resource["Type"], value if isinstance(value, str) else str(resolve(value)))
        for stack_id, template in synthesized.templates.items()
        for logical_id, resource in template["Resources"].items()
        for _, value in _names(resource)
        if _is_fixed(value, template)
    ]


def _fixed_names_table() -> list[tuple[str, list[str], str]]:
    """The rows of docs/deploy.md's fixed-name table: (resource type, name patterns, why safe)."""
    text = DEPLOY_DOC.read_text()
    assert FIXED_NAMES_HEADING in text, f"docs/deploy.md needs a '{FIXED_NAMES_HEADING}' section"
    section = text.split(FIXED_NAMES_HEADING, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`AWS::"):
            continue
        rows.append((cells[0].strip("`"), re.findall(r"`([^`]+)`", cells[1]), cells[2]))
    return rows


def test_no_iam_role_has_a_literal_name(synthesized: Synthesized) -> None:
    """IAM is account-wide, across regions: a role named the same by a second copy, another region
    or another app (CDK's replication role is CDKReplicationRole everywhere) collides, and a change
    that replaces a named role fails."""
    named = [
        (stack_id, logical_id, resource["Properties"]["RoleName"])
        for stack_id, template in synthesized.templates.items()
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::Role" and "RoleName" in resource.get("Properties", {})
    ]
    assert named == []


def test_every_other_literal_name_is_in_the_deploy_doc_with_why_it_is_safe(synthesized: Synthesized) -> None:
    literal = _literal_names(synthesized)
    assert literal  # the WAF log group's name is fixed by WAF itself
    rows = _fixed_names_table()
    assert all(len(why) > 20 for _, _, why in rows), "every fixed name needs its reason"

    def documented(resource_type: str, name: str) -> bool:
        return any(
            row_type == resource_type and any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
            for row_type, patterns, _ in rows
        )

    assert (
        sorted(
            (stack_id, logical_id, name)
            for stack_id, logical_id, resource_type, name in literal
            if not documented(resource_type, name)
        )
        == []
    )
    # ... and the table names nothing the templates no longer hold.
    stale = [
        (row_type, pattern)
        for row_type, patterns, _ in rows
        for pattern in patterns
        if not any(
            resource_type == row_type and fnmatch.fnmatchcase(name, pattern)
            for _, _, resource_type, name in literal
        )
    ]
    assert stale == []


def redrive_command_problems(text: str) -> list[str]:
    """What is wrong with the runbook's ``aws lambda invoke`` of the redrive function, if anything."""
    fenced = re.findall(r"```\n(.*?)```", text, flags=re.DOTALL)
    indented = re.findall(r"(?:^ {4}.*\n)+", text, flags=re.MULTILINE)
    commands = [
        block.replace("\\\n", " ")
        for block in (*fenced, *indented)
        if "aws lambda invoke" in block and "RedriveStreamFailures" in block
    ]
    if len(commands) != 1:
        return [f"expected one fenced redrive invoke command, found {len(commands)}"]
    (command,) = commands
    problems = []
    timeout = re.search(r"--cli-read-timeout (\d+)", command)
    if timeout is None or not (
        int(timeout.group(1)) == 0 or int(timeout.group(1)) > constants.REDRIVE_TIMEOUT.to_seconds()
    ):
        problems.append("the CLI must wait longer than the function may run (--cli-read-timeout)")
    if "AWS_MAX_ATTEMPTS=1" not in command:
        problems.append("a timed-out or dropped invoke must not be retried (AWS_MAX_ATTEMPTS=1)")
    if "--payload" in command and "--cli-binary-format raw-in-base64-out" not in command:
        problems.append("a JSON --payload needs --cli-binary-format raw-in-base64-out (AWS CLI v2)")
    return problems


def test_the_redrive_runbook_waits_for_the_function_and_never_invokes_it_twice() -> None:
    """The CLI reads for 60 s by default and then retries the invoke; the redrive may run 15 minutes."""
    assert redrive_command_problems(DEPLOY_DOC.read_text()) == []
