"""IAM policy evaluation for one request, offline, over the synthesized templates, as AWS decides it.

Two parts:

- ``Deployed``: every resource's ``Ref`` and ``Fn::GetAtt`` values as AWS would return them (names,
  ARNs in each service's own form, a log group's ARN ending ``:*``, an alias's ARN ending with
  its name), across stacks (``Fn::ImportValue`` follows the export), so a policy can be compared
  with the ARN a service presents at run time rather than with the template's tokens.
- ``allowed``: AWS's evaluation logic for the cases that occur here (one account): an explicit
  Deny anywhere wins; a service principal needs the resource's policy to allow it; an IAM role of
  the account needs its own policies to allow it unless the resource's policy names the role
  itself; a KMS key needs its key policy to allow the caller, directly or by delegating to the
  account's IAM policies (the key policy statement naming the account root).

Condition operators follow IAM's table (``...IfExists``, negated operators on a missing key,
``ForAnyValue``/``ForAllValues``); condition keys are case-insensitive, values are not. What this
evaluator does not know (``NotPrincipal``, an unknown operator) raises: a test never passes
because a statement was misread. Libraries such as ``policyuniverse`` (parses policies, matches
ARNs) and ``parliament`` (lints one policy) do not evaluate a request against a resource policy,
identity policies and a key policy together, conditions included, which is the question here.
"""

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from infra import constants
from tests.infra.infra_support import ACCOUNT, Synthesized, arn_like, resolve, string_like

REGION = constants.REGION
PARTITION = "aws"
ACCOUNT_ROOT = f"arn:{PARTITION}:iam::{ACCOUNT}:root"
# What CloudFormation appends to a generated name (made up, fixed so the tests are repeatable).
GENERATED_SUFFIX = "AbC123dEf456"


def generated_name(stack_id: str, logical_id: str, limit: int = 255) -> str:
    """CloudFormation's name for a resource without one: stack, logical id, a random suffix."""
    name = f"{stack_id}-{logical_id}-{GENERATED_SUFFIX}"
    if len(name) <= limit:
        return name
    keep = limit - len(GENERATED_SUFFIX) - 2
    return f"{stack_id}-{logical_id}"[:keep] + f"-{GENERATED_SUFFIX}"


# ---------------------------------------------------------------------------------------------
# What Ref and Fn::GetAtt return, by resource type.
# ---------------------------------------------------------------------------------------------

_Values = tuple[str, dict[str, str]]  # (Ref, {attribute: value})


def _name(properties: Mapping[str, Any], key: str, default: str, refs: Mapping[str, str]) -> str:
    value = properties.get(key)
    return default if value is None else str(resolve(value, refs))


def _arn(service: str, resource: str, *, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


def _physical(
    stack_id: str, logical_id: str, resource: Mapping[str, Any], refs: Mapping[str, str]
) -> _Values | None:
    """Ref and attributes of one resource, or None for a type whose values the tests never need."""
    kind, properties = resource["Type"], resource.get("Properties", {})

    def named(key: str, limit: int = 255) -> str:
        return _name(properties, key, generated_name(stack_id, logical_id, limit), refs)

    if kind == "AWS::SNS::Topic":
        name = named("TopicName", 256)
        arn = _arn("sns", name)
        return arn, {"TopicArn": arn, "TopicName": name}
    if kind == "AWS::SQS::Queue":
        name = named("QueueName", 80)
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}", {
            "Arn": _arn("sqs", name),
            "QueueName": name,
            "QueueUrl": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}",
        }
    if kind == "AWS::Lambda::Function":
        name = named("FunctionName", 64)
        return name, {"Arn": _arn("lambda", f"function:{name}")}
    if kind == "AWS::Lambda::Version":
        function = str(resolve(properties["FunctionName"], refs))
        base = function if function.startswith("arn:") else _arn("lambda", f"function:{function}")
        return f"{base}:1", {"Version": "1"}
    if kind == "AWS::Lambda::Alias":
        function = str(resolve(properties["FunctionName"], refs))
        base = function if function.startswith("arn:") else _arn("lambda", f"function:{function}")
        return f"{base}:{properties['Name']}", {}
    if kind == "AWS::Lambda::LayerVersion":
        name = named("LayerName", 140)
        return _arn("lambda", f"layer:{name}:1"), {}
    if kind == "AWS::Events::Rule":
        name = named("Name", 64)
        arn = _arn("events", f"rule/{name}")
        return name, {"Arn": arn}
    if kind == "AWS::Scheduler::Schedule":
        name = named("Name", 64)
        return name, {"Arn": _arn("scheduler", f"schedule/default/{name}")}
    if kind == "AWS::CloudWatch::Alarm":
        name = named("AlarmName")
        return name, {"Arn": _arn("cloudwatch", f"alarm:{name}")}
    if kind == "AWS::Logs::LogGroup":
        name = named("LogGroupName", 512)
        # GetAtt Arn of a log group ends with ":*"; the ARN services present has no suffix.
        return name, {"Arn": _arn("logs", f"log-group:{name}:*")}
    if kind == "AWS::S3::Bucket":
        name = named("BucketName", 63).lower()
        return name, {
            "Arn": f"arn:{PARTITION}:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
        }
    if kind == "AWS::KMS::Key":
        key_id = f"{logical_id[:8].lower()}-0000-4000-8000-000000000000"
        return key_id, {"Arn": _arn("kms", f"key/{key_id}"), "KeyId": key_id}
    if kind == "AWS::IAM::Role":
        name = named("RoleName", 64)
        return name, {
            "Arn": f"arn:{PARTITION}:iam::{ACCOUNT}:role/{name}",
            "RoleId": f"AROA{logical_id[:16]}",
        }
    if kind in {"AWS::DynamoDB::GlobalTable", "AWS::DynamoDB::Table"}:
        name = named("TableName")
        arn = _arn("dynamodb", f"table/{name}")
        return name, {"Arn": arn, "StreamArn": f"{arn}/stream/2025-01-01T00:00:00.000"}
    if kind == "AWS::SecretsManager::Secret":
        arn = _arn("secretsmanager", f"secret:{generated_name(stack_id, logical_id, 200)}-a1B2c3")
        return arn, {"Id": arn}
    if kind == "AWS::ApiGateway::RestApi":
        api_id = f"api{logical_id[:7].lower()}"
        return api_id, {"RootResourceId": f"{api_id}-root", "RestApiId": api_id}
    if kind in {"AWS::ApiGateway::Resource", "AWS::ApiGateway::Authorizer", "AWS::ApiGateway::Deployment"}:
        return logical_id.lower()[:10], {"ResourceId": logical_id.lower()[:10]}
    if kind == "AWS::ApiGateway::Stage":
        return str(properties.get("StageName", logical_id)), {}
    if kind == "AWS::Backup::BackupVault":
        name = named("BackupVaultName", 50)
        return name, {"BackupVaultArn": _arn("backup", f"backup-vault:{name}"), "BackupVaultName": name}
    return None


# Types whose values depend on other resources' (an alias on its function): a second pass.
_DEPENDENT = {"AWS::Lambda::Version", "AWS::Lambda::Alias"}


@dataclass
class Deployed:
    """The synthesized app with every Ref, GetAtt and ImportValue made the value AWS would return."""

    synthesized: Synthesized
    refs: dict[str, dict[str, str]] = field(default_factory=dict)  # stack id -> resolve()'s refs

    def __post_init__(self) -> None:
        stacks = self.synthesized.templates
        for stack_id in stacks:
            self.refs[stack_id] = {"AWS::StackName": stack_id}
        for dependent in (False, True):
            for stack_id, template in stacks.items():
                refs = self.refs[stack_id]
                for logical_id, resource in template["Resources"].items():
                    if (resource["Type"] in _DEPENDENT) != dependent:
                        continue
                    values = _physical(stack_id, logical_id, resource, refs)
                    if values is None:
                        continue
                    ref, attributes = values
                    refs[logical_id] = ref
                    refs.update({f"{logical_id}.{name}": value for name, value in attributes.items()})
        # Exports last: their values are resolved in the exporting stack.
        exports = {
            output["Export"]["Name"]: resolve(output["Value"], self.refs[stack_id])
            for stack_id, template in stacks.items()
            for output in template.get("Outputs", {}).values()
            if "Export" in output
        }
        for refs in self.refs.values():
            refs.update({name: str(value) for name, value in exports.items()})

    def value(self, stack_id: str, template_value: Any) -> Any:
        return resolve(template_value, self.refs[stack_id])

    def resources(self, resource_type: str) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """(stack id, logical id, resource) of every resource of this type, in every stack."""
        for stack_id, template in self.synthesized.templates.items():
            for logical_id, resource in template["Resources"].items():
                if resource["Type"] == resource_type:
                    yield stack_id, logical_id, resource

    def find(self, arn: str, *attributes: str) -> tuple[str, str, dict[str, Any]] | None:
        """The resource whose Ref (or one of ``attributes``) is ``arn``, in any stack."""
        for stack_id, template in self.synthesized.templates.items():
            refs = self.refs[stack_id]
            for logical_id, resource in template["Resources"].items():
                candidates = [refs.get(logical_id)] + [refs.get(f"{logical_id}.{a}") for a in attributes]
                if arn in candidates:
                    return stack_id, logical_id, resource
        return None

    def role_policies(self, stack_id: str, role_logical_id: str) -> list[dict[str, Any]]:
        """A role's identity policies: inline ones, AWS::IAM::Policy resources attached to it.
        A managed policy (AWS's own or the app's) cannot be read offline and raises."""
        template = self.synthesized.templates[stack_id]
        role = template["Resources"][role_logical_id]["Properties"]
        if role.get("ManagedPolicyArns"):
            raise NotImplementedError(f"{role_logical_id} has managed policies, which are not evaluated here")
        documents = [policy["PolicyDocument"] for policy in role.get("Policies", [])]
        documents += [
            resource["Properties"]["PolicyDocument"]
            for resource in template["Resources"].values()
            if resource["Type"] == "AWS::IAM::Policy"
            and {"Ref": role_logical_id} in resource["Properties"].get("Roles", [])
        ]
        return [self.value(stack_id, document) for document in documents]

    def role_of(self, arn: str) -> tuple[str, str]:
        """(stack id, logical id) of the app's role with this ARN."""
        found = self.find(arn, "Arn")
        if found is None or found[2]["Type"] != "AWS::IAM::Role":
            raise KeyError(f"no role of the app has the ARN {arn}")
        return found[0], found[1]


# ---------------------------------------------------------------------------------------------
# Requests and policy evaluation.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One call as AWS authorizes it. ``principal`` is a service principal
    (``events.amazonaws.com``) or an IAM ARN; ``context`` holds the condition keys it carries."""

    principal: str
    action: str
    resource: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)

    @property
    def is_service(self) -> bool:
        return not self.principal.startswith("arn:")

    def value_of(self, key: str) -> str | Sequence[str] | None:
        """Condition keys are case-insensitive (``AWS:SourceOwner`` is ``aws:SourceOwner``)."""
        wanted = key.lower()
        for name, value in self.context.items():
            if name.lower() == wanted:
                return value
        return None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _number(text: str) -> float:
    return float(text)


_BASE_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda pattern, value: pattern == value,
    "StringEqualsIgnoreCase": lambda pattern, value: pattern.lower() == value.lower(),
    "StringLike": string_like,
    "ArnEquals": lambda pattern, value: pattern == value,
    "ArnLike": arn_like,
    "Bool": lambda pattern, value: pattern.lower() == value.lower(),
    "NumericEquals": lambda pattern, value: _number(value) == _number(pattern),
    "NumericLessThan": lambda pattern, value: _number(value) < _number(pattern),
    "NumericLessThanEquals": lambda pattern, value: _number(value) <= _number(pattern),
    "NumericGreaterThan": lambda pattern, value: _number(value) > _number(pattern),
    "NumericGreaterThanEquals": lambda pattern, value: _number(value) >= _number(pattern),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}


def _condition_holds(operator: str, key: str, expected: Any, request: Request) -> bool:
    qualifier = ""
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
        if qualifier not in {"ForAnyValue", "ForAllValues"}:
            raise ValueError(f"unknown condition set operator {qualifier}")
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    present = request.value_of(key)
    patterns = [str(pattern) for pattern in _as_list(expected)]
    if operator == "Null":
        return (present is None) == (patterns[0].lower() == "true")
    negated = operator in _NEGATED
    base = _NEGATED.get(operator, operator)
    if base not in _BASE_OPERATORS:
        raise ValueError(f"condition operator not evaluated here: {operator}")
    compare = _BASE_OPERATORS[base]
    if present is None:
        # IAM: a missing key matches IfExists, negated and ForAllValues operators, and nothing else.
        return if_exists or negated or qualifier == "ForAllValues"
    values = [present] if isinstance(present, str) else list(present)

    def matches(value: str) -> bool:
        hit = any(compare(pattern, value) for pattern in patterns)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(matches(value) for value in values)
    return any(matches(value) for value in values)


def conditions_met(conditions: Mapping[str, Mapping[str, Any]], request: Request) -> bool:
    return all(
        _condition_holds(operator, key, expected, request)
        for operator, keys in conditions.items()
        for key, expected in keys.items()
    )


def _account_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else None


def _principal_matches(statement: Mapping[str, Any], request: Request) -> tuple[bool, bool]:
    """(matches, through the account): whether the statement's principal covers the caller, and
    whether it does so only by naming the caller's account (which delegates to IAM policies)."""
    if "NotPrincipal" in statement:
        raise NotImplementedError("NotPrincipal is not evaluated here")
    if "Principal" not in statement:
        return True, False  # an identity policy: the caller is whoever holds it
    principal = statement["Principal"]
    if principal == "*":
        return True, False
    if request.is_service:
        services = _as_list(principal.get("Service", []))
        return (request.principal in services or "*" in _as_list(principal.get("AWS", []))), False
    for entry in _as_list(principal.get("AWS", [])):
        if entry == "*" or entry == request.principal:
            return True, False
        if (
            entry in {ACCOUNT, f"arn:{PARTITION}:iam::{ACCOUNT}:root"}
            and _account_of(request.principal) == ACCOUNT
        ):
            return True, True
    return False, False


def _listed(patterns: Any, value: str, *, case_sensitive: bool) -> bool:
    if case_sensitive:
        return any(string_like(str(pattern), value) for pattern in _as_list(patterns))
    return any(string_like(str(pattern).lower(), value.lower()) for pattern in _as_list(patterns))


def _statement_covers(statement: Mapping[str, Any], request: Request) -> bool:
    """Action, resource and conditions (not the principal) cover the request."""
    if "Action" in statement:
        if not _listed(statement["Action"], request.action, case_sensitive=False):
            return False
    elif "NotAction" in statement:
        if _listed(statement["NotAction"], request.action, case_sensitive=False):
            return False
    else:
        raise ValueError(f"a statement without Action or NotAction: {statement}")
    if "Resource" in statement and not _listed(statement["Resource"], request.resource, case_sensitive=True):
        return False
    if "NotResource" in statement and _listed(
        statement["NotResource"], request.resource, case_sensitive=True
    ):
        return False
    return conditions_met(statement.get("Condition", {}), request)


@dataclass(frozen=True)
class Decision:
    denied: bool  # an explicit Deny applies
    allowed: bool  # an Allow applies (to the caller itself)
    allowed_through_account: bool  # an Allow applies only by naming the caller's account


def decide(policy: Mapping[str, Any] | None, request: Request) -> Decision:
    denied = allowed = through_account = False
    for statement in (policy or {}).get("Statement", []):
        matches, via_account = _principal_matches(statement, request)
        if not matches or not _statement_covers(statement, request):
            continue
        if statement["Effect"] == "Deny":
            denied = True
        elif via_account:
            through_account = True
        else:
            allowed = True
    return Decision(denied, allowed, through_account)


def _identity(policies: Sequence[Mapping[str, Any]], request: Request) -> Decision:
    decisions = [decide(policy, request) for policy in policies]
    return Decision(any(d.denied for d in decisions), any(d.allowed for d in decisions), False)


def allowed(
    request: Request,
    *,
    resource_policy: Mapping[str, Any] | None,
    identity_policies: Sequence[Mapping[str, Any]] = (),
    key_policy: bool = False,
) -> bool:
    """AWS's decision for one request in one account.

    ``resource_policy`` is the target's own policy (topic, queue, bucket, function, role trust or
    key policy), None when it has none. With ``key_policy``, the resource policy is a KMS key
    policy: nothing but the key policy can grant, and IAM policies count only where it delegates
    to them by naming the account."""
    resource = decide(resource_policy, request)
    if request.is_service:
        if identity_policies:
            raise ValueError("a service principal has no identity policies")
        return resource.allowed and not resource.denied
    identity = _identity(identity_policies, request)
    if resource.denied or identity.denied:
        return False
    if resource.allowed:
        return True
    if key_policy:
        return resource.allowed_through_account and identity.allowed
    return identity.allowed


def describe(request: Request) -> str:
    context = json.dumps(dict(request.context), sort_keys=True)
    return f"{request.principal} {request.action} on {request.resource} with {context}"


# The policy SNS gives a topic that has no AWS::SNS::TopicPolicy (its documented default): the
# owner account's principals, by AWS:SourceOwner.
def default_topic_policy(topic_arn: str) -> dict[str, Any]:
    return {
        "Statement": [
            {
                "Sid": "__default_statement_ID",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [
                    "SNS:GetTopicAttributes",
                    "SNS:SetTopicAttributes",
                    "SNS:AddPermission",
                    "SNS:RemovePermission",
                    "SNS:DeleteTopic",
                    "SNS:Subscribe",
                    "SNS:ListSubscriptionsByTopic",
                    "SNS:Publish",
                ],
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}},
            }
        ]
    }


def lambda_permission_policy(deployed: Deployed, function_arn: str) -> dict[str, Any]:
    """A function's (or alias's) resource policy: its AWS::Lambda::Permission resources, as the
    statements Lambda writes for them (FunctionName may be a name, an ARN or an alias ARN)."""
    statements = []
    for stack_id, _, permission in deployed.resources("AWS::Lambda::Permission"):
        properties = deployed.value(stack_id, permission["Properties"])
        named = str(properties["FunctionName"])
        if (named if named.startswith("arn:") else _arn("lambda", f"function:{named}")) != function_arn:
            continue
        condition: dict[str, dict[str, str]] = {}
        if "SourceArn" in properties:
            condition["ArnLike"] = {"AWS:SourceArn": properties["SourceArn"]}
        if "SourceAccount" in properties:
            condition["StringEquals"] = {"AWS:SourceAccount": properties["SourceAccount"]}
        principal = properties["Principal"]
        kind = "Service" if principal.endswith(".amazonaws.com") else "AWS"
        statements.append(
            {
                "Effect": "Allow",
                "Principal": {kind: principal},
                "Action": properties["Action"],
                "Resource": function_arn,
                "Condition": condition,
            }
        )
    return {"Statement": statements}


def without_whitespace_length(document: Any) -> int:
    """IAM's size quotas count a policy's characters without white space."""
    return len(re.sub(r"\s", "", json.dumps(document, separators=(",", ":"))))
