"""Deploy-time rules: AWS's own quotas and validation rules that the synthesized templates must meet,
each with the AWS documentation page it comes from. ``cdk synth`` checks none of them; AWS refuses a
deployment (or, for some, silently does nothing) when one is broken.

Values behind references are the ones AWS would use (``aws_policy.Deployed``: generated names and
ARNs at their real lengths). A parameter's value is counted at its ``MaxLength``, or at
``PARAMETER_VALUE_ASSUMED`` characters when it has none (URLs and identifiers of the identity
provider and GOV.UK Notify). cfn-lint runs in ``test_infra_compliance.py``.

The layer's size rules need the real layer built from the wheels ``make install`` fetches
(``build_layer``, offline, about ten seconds); the other rules need only the synthesized templates.
"""

import io
import json
import random
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from infra import constants
from tests.infra.aws_policy import ACCOUNT, Deployed, lambda_permission_policy, without_whitespace_length
from tests.infra.conftest import STACKS
from tests.infra.infra_support import Synthesized, resolve

KB = 1024
MB = 1024 * KB
SERVICE = constants.STATELESS_STACK_ID

# --- CloudFormation (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html)
TEMPLATE_BODY_IN_S3_BYTES = 1_000_000  # CDK uploads templates over 50 KiB to the bootstrap bucket
RESOURCES_PER_STACK = 500
OUTPUTS_PER_STACK = 200
PARAMETERS_PER_STACK = 200
MAPPINGS_PER_STACK = 200
LOGICAL_ID_LENGTH = 255
TEMPLATE_DESCRIPTION_BYTES = 1024
# --- AWS WAF (https://docs.aws.amazon.com/waf/latest/developerguide/limits.html)
REGEXES_PER_PATTERN_SET = 10
REGEX_LENGTH = 200
REGEX_PATTERN_SETS_PER_ACCOUNT = 10
CUSTOM_RESPONSE_BODY_BYTES = 4 * KB
RATE_BASED_RULES_PER_WEB_ACL = 10
# (https://docs.aws.amazon.com/waf/latest/developerguide/aws-waf-capacity-units.html): 1,500 WCUs come
# with the web ACL's price; above that each 500 WCUs costs more, up to 5,000.
WEB_ACL_INCLUDED_WCUS = 1_500
# --- IAM (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)
ROLE_NAME_LENGTH = 64
POLICY_NAME_LENGTH = 128
ROLE_INLINE_POLICIES_CHARACTERS = 10_240  # all of a role's inline policies together, without white space
TRUST_POLICY_CHARACTERS = 2_048
MANAGED_POLICIES_PER_ROLE = 10
ROLE_DESCRIPTION_LENGTH = 1_000
# The Description pattern of CreateRole (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
ROLE_DESCRIPTION_CHARACTERS = re.compile(r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*\Z")
# --- Lambda (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
ENVIRONMENT_BYTES = 4 * KB
LAYERS_PER_FUNCTION = 5
FUNCTION_DESCRIPTION_LENGTH = 256
TIMEOUT_SECONDS = 900
MEMORY_MB = (128, 10_240)
FUNCTION_RESOURCE_POLICY_BYTES = 20 * KB
UNZIPPED_CODE_AND_LAYERS_BYTES = 250 * MB
ZIPPED_DIRECT_UPLOAD_BYTES = 50 * MB
ACCOUNT_CONCURRENCY = 1_000  # the default quota
UNRESERVED_CONCURRENCY_MINIMUM = 100
# --- Amazon S3 lifecycle (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html,
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html)
LIFECYCLE_RULES_PER_BUCKET = 1_000
LIFECYCLE_RULE_ID_LENGTH = 255
INFREQUENT_ACCESS_MINIMUM_DAYS = 30
BUCKET_POLICY_BYTES = 20 * KB
# --- CloudWatch alarms (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)
ALARM_NAME_LENGTH = 255
ALARM_DESCRIPTION_LENGTH = 1_024
ACTIONS_PER_ALARM_STATE = 5
METRICS_PER_ALARM = 10
# --- Others
KEY_POLICY_BYTES = 32 * KB  # https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html
TOPIC_POLICY_BYTES = 30 * KB  # https://docs.aws.amazon.com/general/latest/gr/sns.html
QUEUE_RETENTION_SECONDS = (
    60,
    1_209_600,
)  # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
TARGETS_PER_RULE = 5  # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
GSIS_PER_TABLE = 20  # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
API_RESOURCES_PER_API = 300  # https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
PARAMETER_VALUE_ASSUMED = 256


def _all(synthesized: Synthesized, resource_type: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (stack_id, logical_id, resource.get("Properties", {}))
        for stack_id, template in synthesized.templates.items()
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    ]


def _size(document: Any) -> int:
    return len(json.dumps(document, separators=(",", ":")).encode())


# ------------------------------------------------------------------------------------- CloudFormation


@pytest.mark.parametrize("stack_id", STACKS)
def test_each_template_fits_cloudformations_quotas(synthesized: Synthesized, stack_id: str) -> None:
    template = synthesized.templates[stack_id]
    body = (synthesized.outdir / f"{stack_id}.template.json").stat().st_size
    assert body <= TEMPLATE_BODY_IN_S3_BYTES, f"{stack_id}: {body:,} bytes"
    assert len(template["Resources"]) <= RESOURCES_PER_STACK
    assert len(template.get("Outputs", {})) <= OUTPUTS_PER_STACK
    assert len(template.get("Parameters", {})) <= PARAMETERS_PER_STACK
    assert len(template.get("Mappings", {})) <= MAPPINGS_PER_STACK
    assert len(template.get("Description", "").encode()) <= TEMPLATE_DESCRIPTION_BYTES
    for section in ("Resources", "Outputs", "Parameters", "Conditions", "Mappings"):
        for logical_id in template.get(section, {}):
            assert re.fullmatch(r"[A-Za-z0-9]+", logical_id) and len(logical_id) <= LOGICAL_ID_LENGTH, (
                logical_id
            )


def test_every_synthesized_stack_is_checked(synthesized: Synthesized) -> None:
    """These rules, cfn-lint and the wiring read the templates conftest loads: a new stack must be
    among them."""
    written = {
        path.name.removesuffix(".template.json") for path in synthesized.outdir.glob("*.template.json")
    }
    assert written == set(STACKS)


def test_export_names_are_unique_across_the_app(synthesized: Synthesized) -> None:
    """An export name is unique per account and region: a second one fails the deployment."""
    names = [
        output["Export"]["Name"]
        for template in synthesized.templates.values()
        for output in template.get("Outputs", {}).values()
        if "Export" in output
    ]
    assert names and len(names) == len(set(names))


# ------------------------------------------------------------------------------------------- AWS WAF

# Statement costs (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statements-list.html)
# and the managed groups' fixed capacities (https://docs.aws.amazon.com/waf/latest/developerguide/
# aws-managed-rule-groups-list.html).
MANAGED_GROUP_WCUS = {
    "AWSManagedRulesCommonRuleSet": 700,
    "AWSManagedRulesKnownBadInputsRuleSet": 200,
    "AWSManagedRulesSQLiRuleSet": 200,
    "AWSManagedRulesAmazonIpReputationList": 25,
    "AWSManagedRulesAnonymousIpList": 50,
}
TEXT_TRANSFORMATION_WCUS = 10


def _transformations(statement: dict[str, Any]) -> int:
    kinds = [t["Type"] for t in statement.get("TextTransformations", [])]
    return TEXT_TRANSFORMATION_WCUS * sum(kind != "NONE" for kind in kinds)


def statement_wcus(statement: dict[str, Any]) -> int:
    """An upper bound of a statement's WCUs as AWS WAF's statement list prices them; a kind not
    priced here fails the test (so a new kind of rule is priced before it is trusted)."""
    (kind,) = statement
    body = statement[kind]
    if kind in {"AndStatement", "OrStatement"}:
        return sum(statement_wcus(s) for s in body["Statements"])
    if kind == "NotStatement":
        return statement_wcus(body["Statement"])
    if kind in {"LabelMatchStatement", "IPSetReferenceStatement", "GeoMatchStatement"}:
        return 1
    if kind == "SizeConstraintStatement":
        return 1 + _transformations(body)
    if kind == "RegexMatchStatement":
        return 3 + _transformations(body)
    if kind == "RegexPatternSetReferenceStatement":
        return 25 + _transformations(body)
    if kind == "ByteMatchStatement":
        positional = body["PositionalConstraint"] in {"EXACTLY", "STARTS_WITH", "ENDS_WITH"}
        return (2 if positional else 10) + _transformations(body)
    if kind == "ManagedRuleGroupStatement":
        return MANAGED_GROUP_WCUS[body["Name"]]
    if kind == "RateBasedStatement":
        keys = body.get("CustomKeys", [])
        scope_down = statement_wcus(body["ScopeDownStatement"]) if "ScopeDownStatement" in body else 0
        transformations = sum(_transformations(next(iter(key.values()))) for key in keys)
        return 2 + 30 * len(keys) + transformations + scope_down
    raise AssertionError(f"WCUs of {kind} are not priced here")


def _web_acls(synthesized: Synthesized) -> list[dict[str, Any]]:
    acls = [properties for _, _, properties in _all(synthesized, "AWS::WAFv2::WebACL")]
    assert acls
    return acls


def test_web_acls_fit_the_included_capacity(synthesized: Synthesized) -> None:
    for acl in _web_acls(synthesized):
        wcus = sum(statement_wcus(rule["Statement"]) for rule in acl["Rules"])
        assert wcus <= WEB_ACL_INCLUDED_WCUS, f"{wcus} WCUs"


def test_the_wcu_pricing_counts_what_it_reads() -> None:
    rate = {
        "RateBasedStatement": {
            "CustomKeys": [{"Header": {"Name": "a", "TextTransformations": [{"Type": "NONE"}]}}]
        }
    }
    assert statement_wcus(rate) == 32
    paths = {"RegexPatternSetReferenceStatement": {"TextTransformations": [{"Type": "LOWERCASE"}]}}
    assert statement_wcus({"NotStatement": {"Statement": paths}}) == 35
    with pytest.raises(AssertionError, match="XssMatchStatement"):
        statement_wcus({"XssMatchStatement": {"TextTransformations": []}})


def test_regex_pattern_sets_fit_wafs_limits(synthesized: Synthesized) -> None:
    sets = _all(synthesized, "AWS::WAFv2::RegexPatternSet")
    assert len(sets) <= REGEX_PATTERN_SETS_PER_ACCOUNT
    for _, logical_id, properties in sets:
        patterns = properties["RegularExpressionList"]
        assert len(patterns) <= REGEXES_PER_PATTERN_SET, f"{logical_id}: {len(patterns)} regular expressions"
        too_long = [pattern for pattern in patterns if len(pattern) > REGEX_LENGTH]
        assert not too_long, too_long


def test_web_acl_rules_are_ones_waf_accepts(synthesized: Synthesized) -> None:
    for acl in _web_acls(synthesized):
        rules = acl["Rules"]
        assert len({rule["Name"] for rule in rules}) == len(rules)
        assert len({rule["Priority"] for rule in rules}) == len(rules)
        rate_rules = [
            rule["Statement"]["RateBasedStatement"]
            for rule in rules
            if "RateBasedStatement" in rule["Statement"]
        ]
        assert len(rate_rules) <= RATE_BASED_RULES_PER_WEB_ACL
        for rate in rate_rules:
            assert 10 <= rate["Limit"] <= 2_000_000_000
            assert rate.get("EvaluationWindowSec", 300) in {60, 120, 300, 600}
        for body in acl.get("CustomResponseBodies", {}).values():
            assert len(body["Content"].encode()) <= CUSTOM_RESPONSE_BODY_BYTES


# ----------------------------------------------------------------------------------------------- IAM


def test_no_iam_resource_has_a_literal_name(synthesized: Synthesized) -> None:
    """IAM names are unique per account across every region: a fixed name collides with any other
    copy of the stack in the account (a second environment, a redeploy elsewhere) and with any other
    app using the same name (``CDKReplicationRole`` is CDK's default for every replicated bucket).
    CloudFormation's generated names never collide."""
    named = {
        f"{logical_id}: {properties[key]}"
        for kind, key in (
            ("AWS::IAM::Role", "RoleName"),
            ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"),
            ("AWS::IAM::User", "UserName"),
            ("AWS::IAM::Group", "GroupName"),
            ("AWS::IAM::InstanceProfile", "InstanceProfileName"),
        )
        for _, logical_id, properties in _all(synthesized, kind)
        if key in properties
    }
    assert named == set()


def test_roles_fit_iams_quotas(synthesized: Synthesized, deployed: Deployed) -> None:
    roles = _all(synthesized, "AWS::IAM::Role")
    assert roles
    for stack_id, logical_id, properties in roles:
        assert len(properties.get("RoleName", "")) <= ROLE_NAME_LENGTH, logical_id
        assert len(properties.get("ManagedPolicyArns", [])) <= MANAGED_POLICIES_PER_ROLE, logical_id
        description = properties.get("Description", "")
        assert len(description) <= ROLE_DESCRIPTION_LENGTH, logical_id
        assert ROLE_DESCRIPTION_CHARACTERS.match(description), f"{logical_id}: {description!r}"
        trust = deployed.value(stack_id, properties["AssumeRolePolicyDocument"])
        assert without_whitespace_length(trust) <= TRUST_POLICY_CHARACTERS, logical_id
        inline = [deployed.value(stack_id, p["PolicyDocument"]) for p in properties.get("Policies", [])] + [
            deployed.value(stack_id, policy["PolicyDocument"])
            for _, _, policy in _all(synthesized, "AWS::IAM::Policy")
            if {"Ref": logical_id} in policy.get("Roles", [])
        ]
        total = sum(without_whitespace_length(document) for document in inline)
        assert total <= ROLE_INLINE_POLICIES_CHARACTERS, f"{logical_id}: {total:,} characters"
    for _, logical_id, policy in _all(synthesized, "AWS::IAM::Policy"):
        assert len(policy["PolicyName"]) <= POLICY_NAME_LENGTH, logical_id


# -------------------------------------------------------------------------------------------- Lambda


def _parameter_lengths(synthesized: Synthesized) -> dict[str, dict[str, str]]:
    """Per stack, each parameter's value at the longest length it may take."""
    return {
        stack_id: {
            name: "x" * int(parameter.get("MaxLength", PARAMETER_VALUE_ASSUMED))
            for name, parameter in template.get("Parameters", {}).items()
        }
        for stack_id, template in synthesized.templates.items()
    }


def test_functions_fit_lambdas_quotas(synthesized: Synthesized, deployed: Deployed) -> None:
    parameters = _parameter_lengths(synthesized)
    functions = _all(synthesized, "AWS::Lambda::Function")
    assert functions
    reserved = 0
    for stack_id, logical_id, properties in functions:
        variables = properties.get("Environment", {}).get("Variables", {})
        refs = {**deployed.refs[stack_id], **parameters[stack_id]}
        size = sum(
            len(name.encode()) + len(str(resolve(value, refs)).encode()) for name, value in variables.items()
        )
        assert size <= ENVIRONMENT_BYTES, f"{logical_id}: environment of {size:,} bytes"
        assert len(properties.get("Layers", [])) <= LAYERS_PER_FUNCTION, logical_id
        assert len(properties.get("Description", "")) <= FUNCTION_DESCRIPTION_LENGTH, logical_id
        assert properties.get("Timeout", 3) <= TIMEOUT_SECONDS, logical_id
        assert MEMORY_MB[0] <= properties.get("MemorySize", 128) <= MEMORY_MB[1], logical_id
        reserved += properties.get("ReservedConcurrentExecutions", 0)
    # Lambda keeps 100 of the account's concurrency unreserved; the default quota is 1,000.
    assert reserved <= ACCOUNT_CONCURRENCY - UNRESERVED_CONCURRENCY_MINIMUM, reserved


def test_each_functions_resource_policy_fits_lambdas_quota(deployed: Deployed) -> None:
    """Every AWS::Lambda::Permission is one statement in the policy of the function or alias it
    names (about 350 bytes each here, 16 on the web app's alias)."""
    targets = {
        str(deployed.value(stack_id, permission["Properties"]["FunctionName"]))
        for stack_id, _, permission in deployed.resources("AWS::Lambda::Permission")
    }
    assert targets
    for target in targets:
        arn = (
            target
            if target.startswith("arn:")
            else f"arn:aws:lambda:{constants.REGION}:{ACCOUNT}:function:{target}"
        )
        policy = lambda_permission_policy(deployed, arn)
        assert policy["Statement"] and _size(policy) <= FUNCTION_RESOURCE_POLICY_BYTES, (arn, _size(policy))


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and "__pycache__" not in path.parts]


def zipped_size(root: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _files(root):
            archive.write(path, path.relative_to(root))
    return buffer.tell()


def test_the_layer_and_each_functions_code_fit_lambdas_size_quotas(built_layer: Path) -> None:
    """Unzipped, a function's code and its layers together stay under 250 MB; zipped, the layer
    fits the 50 MB of a direct upload (CDK uploads through S3, where only the unzipped quota holds,
    but a layer that fits both can be published any way)."""
    layer = sum(path.stat().st_size for path in _files(built_layer))
    assert layer > 1 * MB  # the real layer: its wheels, not an empty folder
    for function in sorted(path for path in constants.FUNCTIONS_ROOT.iterdir() if path.is_dir()):
        code = sum(path.stat().st_size for path in _files(function))
        assert layer + code < UNZIPPED_CODE_AND_LAYERS_BYTES, f"{function.name}: {layer + code:,} bytes"
    zipped = zipped_size(built_layer)
    assert zipped < ZIPPED_DIRECT_UPLOAD_BYTES, f"{zipped:,} bytes zipped"


def test_zipped_size_counts_the_files(tmp_path: Path) -> None:
    (tmp_path / "python").mkdir()
    (tmp_path / "python" / "random.bin").write_bytes(random.Random(0).randbytes(MB))  # incompressible
    (tmp_path / "python" / "zeros.bin").write_bytes(bytes(MB))  # compresses to almost nothing
    assert MB < zipped_size(tmp_path) < 1.1 * MB


# ------------------------------------------------------------------------------- Amazon S3 lifecycle


def test_lifecycle_rules_are_ones_s3_accepts(synthesized: Synthesized) -> None:
    """S3 refuses a rule whose expiration names both days (or a date) and
    ExpiredObjectDeleteMarker, a rule with no action, duplicate ids, and a transition to an
    infrequent-access class before 30 days."""
    buckets = _all(synthesized, "AWS::S3::Bucket")
    assert buckets
    problems = []
    for _, logical_id, properties in buckets:
        rules = properties.get("LifecycleConfiguration", {}).get("Rules", [])
        assert len(rules) <= LIFECYCLE_RULES_PER_BUCKET
        ids = [rule["Id"] for rule in rules if "Id" in rule]
        if len(ids) != len(set(ids)) or any(len(rule_id) > LIFECYCLE_RULE_ID_LENGTH for rule_id in ids):
            problems.append(f"{logical_id}: rule ids {ids}")
        for rule in rules:
            name = f"{logical_id} rule {rule.get('Id', '(no id)')}"
            if "ExpiredObjectDeleteMarker" in rule and ({"ExpirationInDays", "ExpirationDate"} & set(rule)):
                problems.append(f"{name}: ExpiredObjectDeleteMarker with ExpirationInDays or ExpirationDate")
            actions = {
                "ExpirationInDays",
                "ExpirationDate",
                "ExpiredObjectDeleteMarker",
                "NoncurrentVersionExpiration",
                "NoncurrentVersionExpirationInDays",
                "Transitions",
                "Transition",
                "NoncurrentVersionTransitions",
                "NoncurrentVersionTransition",
                "AbortIncompleteMultipartUpload",
            }
            if not actions & set(rule):
                problems.append(f"{name}: no action")
            for transition in rule.get("Transitions", []):
                days = transition.get("TransitionInDays", INFREQUENT_ACCESS_MINIMUM_DAYS)
                if (
                    transition["StorageClass"] in {"STANDARD_IA", "ONEZONE_IA"}
                    and days < INFREQUENT_ACCESS_MINIMUM_DAYS
                ):
                    problems.append(f"{name}: {transition['StorageClass']} after {days} days")
                if "ExpirationInDays" in rule and rule["ExpirationInDays"] <= days:
                    problems.append(f"{name}: expires before it transitions")
            if "AbortIncompleteMultipartUpload" in rule and rule.get("TagFilters"):
                problems.append(f"{name}: AbortIncompleteMultipartUpload with a tag filter")
    assert problems == []


# ------------------------------------------------------------------------------------ Resource policies


def test_resource_policies_fit_their_services_size_quotas(deployed: Deployed) -> None:
    for kind, document, limit in (
        ("AWS::KMS::Key", "KeyPolicy", KEY_POLICY_BYTES),
        ("AWS::SNS::TopicPolicy", "PolicyDocument", TOPIC_POLICY_BYTES),
        ("AWS::S3::BucketPolicy", "PolicyDocument", BUCKET_POLICY_BYTES),
    ):
        found = list(deployed.resources(kind))
        assert found, kind
        for stack_id, logical_id, resource in found:
            size = _size(deployed.value(stack_id, resource["Properties"][document]))
            assert size <= limit, f"{logical_id}: {size:,} bytes"


# ---------------------------------------------------------------------------------- CloudWatch alarms


def test_alarms_are_ones_cloudwatch_accepts(synthesized: Synthesized) -> None:
    """Names unique (PutMetricAlarm with an existing name silently replaces that alarm), lengths,
    actions per state, metrics per alarm and periods (10, 20, 30 or a multiple of 60 seconds). The
    evaluation window is checked in test_infra_monitoring.py."""
    alarms = _all(synthesized, "AWS::CloudWatch::Alarm")
    assert alarms
    names = Counter(properties["AlarmName"] for _, _, properties in alarms if "AlarmName" in properties)
    assert [name for name, count in names.items() if count > 1] == []
    for _, logical_id, properties in alarms:
        assert len(properties.get("AlarmName", "")) <= ALARM_NAME_LENGTH, logical_id
        assert len(properties.get("AlarmDescription", "")) <= ALARM_DESCRIPTION_LENGTH, logical_id
        for state in ("AlarmActions", "OKActions", "InsufficientDataActions"):
            assert len(properties.get(state, [])) <= ACTIONS_PER_ALARM_STATE, logical_id
        queries = properties.get("Metrics", [])
        assert len(queries) <= METRICS_PER_ALARM, logical_id
        periods = (
            [properties["Period"]]
            if "Period" in properties
            else [q["MetricStat"]["Period"] for q in queries if "MetricStat" in q]
        )
        for period in periods:
            assert period in {10, 20, 30} or period % 60 == 0, (logical_id, period)


# ----------------------------------------------------------------------------------------------- Others


def test_queues_rules_tables_and_apis_fit_their_quotas(synthesized: Synthesized) -> None:
    queues = _all(synthesized, "AWS::SQS::Queue")
    assert queues
    for _, logical_id, properties in queues:
        retention = properties.get("MessageRetentionPeriod", 345_600)
        assert QUEUE_RETENTION_SECONDS[0] <= retention <= QUEUE_RETENTION_SECONDS[1], logical_id
    for _, logical_id, properties in _all(synthesized, "AWS::Events::Rule"):
        assert len(properties.get("Targets", [])) <= TARGETS_PER_RULE, logical_id
    tables = _all(synthesized, "AWS::DynamoDB::GlobalTable")
    assert tables
    for _, logical_id, properties in tables:
        assert len(properties.get("GlobalSecondaryIndexes", [])) <= GSIS_PER_TABLE, logical_id
    resources = Counter(
        json.dumps(p["RestApiId"]) for _, _, p in _all(synthesized, "AWS::ApiGateway::Resource")
    )
    assert resources and max(resources.values()) <= API_RESOURCES_PER_API
