"""Wiring checked as AWS would: for every edge where one service calls another on the app's
behalf, the call is allowed by the target's resource policy, by the caller's role where it has
one, and by the key policy of any key on the way.

Each edge is found in the templates themselves (every alarm action, rule target, schedule, event
source mapping, dead-letter queue, encrypted log group, API method, rotation schedule, access log
and replication configuration), so a new one is checked without a new test. Each request is the
one the service makes: its principal, the action, the target's ARN as AWS names it, and the
condition keys the service puts in the request context (``aws:SourceArn``, ``aws:SourceAccount``,
``kms:ViaService``, the encryption context), written down per service below with its source.
The evaluator is ``tests/infra/aws_policy.py``.
"""

import copy
import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from tests.infra.aws_policy import (
    ACCOUNT,
    REGION,
    Deployed,
    Request,
    allowed,
    default_topic_policy,
    describe,
    lambda_permission_policy,
)
from tests.infra.infra_support import Synthesized

# Every AWS service calls another over TLS 1.2 or later: TLS-only Deny statements must not bite.
OVER_TLS = {"aws:SecureTransport": "true"}
S3_OVER_TLS = {**OVER_TLS, "s3:TlsVersion": "1.3"}
# What a service needs from the key of an encrypted topic or queue it delivers to
# (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services,
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
DELIVERY_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
# What CloudWatch Logs asks of the key of an encrypted log group
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
LOGS_KEY_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:GenerateDataKey",
    "kms:DescribeKey",
)
DELIVERY_ACTION = {"sns": "sns:Publish", "sqs": "sqs:SendMessage", "lambda": "lambda:InvokeFunction"}
# The encryption context SNS and SQS put on their data keys.
ENCRYPTION_CONTEXT = {
    "sns": "kms:EncryptionContext:aws:sns:topicArn",
    "sqs": "kms:EncryptionContext:aws:sqs:arn",
}
# What Lambda's DynamoDB stream poller calls with the function's role
# (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#events-dynamodb-permissions).
STREAM_READ_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
# What an S3 on-failure destination needs (https://docs.aws.amazon.com/lambda/latest/dg/
# invocation-async-retain-records.html#invocation-async-destinations-s3): put and list.
S3_DESTINATION_KEY = "aws/lambda/11111111-2222-4333-8444-555555555555/shardId-000/2025/01/01/failure.json"
# What S3 replication does with its role (https://docs.aws.amazon.com/AmazonS3/latest/userguide/
# setting-repl-config-perm-overview.html).
REPLICATION_SOURCE_BUCKET_ACTIONS = ("s3:GetReplicationConfiguration", "s3:ListBucket")
REPLICATION_SOURCE_OBJECT_ACTIONS = (
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionTagging",
)
REPLICATION_DESTINATION_OBJECT_ACTIONS = ("s3:ReplicateObject", "s3:ReplicateTags")
SAMPLE_OBJECT = "2025-01-01-00-00-00-SAMPLE"


# ---------------------------------------------------------------------------------------------
# The targets: what a service's ARN tells of its policy and key.
# ---------------------------------------------------------------------------------------------


def _service_of(arn: str) -> str:
    return arn.split(":")[2]


def _resource_policy(deployed: Deployed, arn: str) -> dict[str, Any] | None:
    """The policy the target itself holds, as its service would evaluate it."""
    service = _service_of(arn)
    if service == "lambda":
        return lambda_permission_policy(deployed, arn)
    if service == "iam":
        stack_id, role_id = deployed.role_of(arn)
        trust: dict[str, Any] = deployed.value(
            stack_id, deployed.synthesized.templates[stack_id]["Resources"][role_id]["Properties"]
        )["AssumeRolePolicyDocument"]
        return trust
    kinds = {
        "sns": ("AWS::SNS::TopicPolicy", "Topics", "TopicArn"),
        "sqs": ("AWS::SQS::QueuePolicy", "Queues", "Arn"),
        "s3": ("AWS::S3::BucketPolicy", "Bucket", "Arn"),
    }
    if service not in kinds:
        raise NotImplementedError(f"no resource policy model for {arn}")
    policy_type, targets_key, attribute = kinds[service]
    found = deployed.find(arn.split("/", 1)[0] if service == "s3" else arn, attribute)
    if found is None:
        raise KeyError(f"{arn} is not a resource of the app")
    target_ref = deployed.refs[found[0]][found[1]]
    statements = []
    for stack_id, _, policy in deployed.resources(policy_type):
        properties = deployed.value(stack_id, policy["Properties"])
        targets = (
            properties[targets_key]
            if isinstance(properties[targets_key], list)
            else [properties[targets_key]]
        )
        if target_ref in targets:
            statements += properties["PolicyDocument"]["Statement"]
    if not statements and service == "sns":
        return default_topic_policy(arn)
    return {"Statement": statements} if statements else None


def _key_of(deployed: Deployed, arn: str) -> str | None:
    """The ARN of the customer-managed key encrypting the target, if any."""
    found = deployed.find(arn.split("/", 1)[0] if arn.startswith("arn:aws:s3:::") else arn, "Arn", "TopicArn")
    if found is None:
        raise KeyError(f"{arn} is not a resource of the app")
    stack_id, _, resource = found
    properties = resource.get("Properties", {})
    key: Any = None
    if resource["Type"] in {"AWS::SNS::Topic", "AWS::SQS::Queue"}:
        key = properties.get("KmsMasterKeyId")
    elif resource["Type"] == "AWS::S3::Bucket":
        for rule in properties.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", []):
            key = rule["ServerSideEncryptionByDefault"].get("KMSMasterKeyID") or key
    elif resource["Type"] == "AWS::Logs::LogGroup":
        key = properties.get("KmsKeyId")
    elif resource["Type"] == "AWS::DynamoDB::GlobalTable":
        for replica in properties.get("Replicas", []):
            key = replica.get("SSESpecification", {}).get("KMSMasterKeyId") or key
    if key is None:
        return None
    key_ref = str(deployed.value(stack_id, key))
    key_found = deployed.find(key_ref, "Arn", "KeyId")
    if key_found is None:
        raise KeyError(f"the key {key_ref} of {arn} is not one of the app's keys")
    return deployed.refs[key_found[0]][f"{key_found[1]}.Arn"]


def _key_policy(deployed: Deployed, key_arn: str) -> dict[str, Any]:
    found = deployed.find(key_arn, "Arn")
    assert found is not None, key_arn
    policy: dict[str, Any] = deployed.value(found[0], found[2]["Properties"]["KeyPolicy"])
    return policy


def _target_context(arn: str) -> dict[str, str]:
    """The encryption context the target's service puts on its data keys."""
    service = _service_of(arn)
    return {ENCRYPTION_CONTEXT[service]: arn} if service in ENCRYPTION_CONTEXT else {}


def service_delivers(
    deployed: Deployed,
    what: str,
    service: str,
    target: str,
    context: Mapping[str, str],
    key_context: Mapping[str, str],
) -> list[str]:
    """Refusals when ``service`` (a service principal) delivers to ``target``: the target's policy,
    then the target's key. ``key_context`` is what the service's KMS requests carry."""
    refusals = []
    request = Request(service, DELIVERY_ACTION[_service_of(target)], target, {**OVER_TLS, **context})
    if not allowed(request, resource_policy=_resource_policy(deployed, target)):
        refusals.append(f"{what}: the target's policy refuses {describe(request)}")
    key = _key_of(deployed, target)
    if key is not None:
        for action in DELIVERY_KEY_ACTIONS:
            key_request = Request(service, action, key, {**key_context, **_target_context(target)})
            if not allowed(key_request, resource_policy=_key_policy(deployed, key), key_policy=True):
                refusals.append(f"{what}: the key policy refuses {describe(key_request)}")
    return refusals


def role_may(
    deployed: Deployed, what: str, role_arn: str, action: str, resource: str, context: Mapping[str, str]
) -> list[str]:
    """Refusals of one call a role makes: its own policies and the resource's policy."""
    stack_id, role_id = deployed.role_of(role_arn)
    identity = deployed.role_policies(stack_id, role_id)
    tls = S3_OVER_TLS if _service_of(resource) == "s3" else OVER_TLS
    request = Request(role_arn, action, resource, {**tls, **context})
    policy = _resource_policy(deployed, resource) if _service_of(resource) != "dynamodb" else None
    if allowed(request, resource_policy=policy, identity_policies=identity):
        return []
    return [f"{what}: refused {describe(request)}"]


def role_uses_key(
    deployed: Deployed,
    what: str,
    role_arn: str,
    key: str,
    actions: tuple[str, ...],
    via: str,
    context: Mapping[str, str],
) -> list[str]:
    """Refusals of a role's key use through ``via`` (the service holding the data)."""
    stack_id, role_id = deployed.role_of(role_arn)
    identity = deployed.role_policies(stack_id, role_id)
    refusals = []
    for action in actions:
        request = Request(
            role_arn,
            action,
            key,
            {"kms:ViaService": f"{via}.{REGION}.amazonaws.com", "kms:CallerAccount": ACCOUNT, **context},
        )
        if not allowed(
            request, resource_policy=_key_policy(deployed, key), identity_policies=identity, key_policy=True
        ):
            refusals.append(f"{what}: refused {describe(request)}")
    return refusals


def role_delivers(deployed: Deployed, what: str, role_arn: str, target: str) -> list[str]:
    """Refusals when a service delivers to ``target`` with ``role_arn``: the role's policies and
    the target's, then the target's key through the target's service."""
    service = _service_of(target)
    refusals = role_may(deployed, what, role_arn, DELIVERY_ACTION[service], target, {})
    key = _key_of(deployed, target) if service in ENCRYPTION_CONTEXT else None
    if key is not None:
        refusals += role_uses_key(
            deployed, what, role_arn, key, DELIVERY_KEY_ACTIONS, service, _target_context(target)
        )
    return refusals


def service_assumes(
    deployed: Deployed, what: str, service: str, role_arn: str, context: Mapping[str, str]
) -> list[str]:
    request = Request(service, "sts:AssumeRole", role_arn, dict(context))
    if allowed(request, resource_policy=_resource_policy(deployed, role_arn)):
        return []
    return [f"{what}: the role's trust policy refuses {describe(request)}"]


def _function_role(deployed: Deployed, function_arn: str) -> str:
    found = deployed.find(function_arn, "Arn")
    assert found is not None and found[2]["Type"] == "AWS::Lambda::Function", function_arn
    return str(deployed.value(found[0], found[2]["Properties"]["Role"]))


def assert_none_refused(refusals: list[str]) -> None:
    """Fails naming how many calls AWS would refuse, and the first few in full."""
    unique = sorted(set(refusals))
    shown = "\n".join(unique[:5])
    assert not unique, f"{len(unique)} calls refused, for example:\n{shown}"


def _source(service: str, source_arn: str) -> dict[str, str]:
    del service
    return {"aws:SourceArn": source_arn, "aws:SourceAccount": ACCOUNT}


# ---------------------------------------------------------------------------------------------
# The edges.
# ---------------------------------------------------------------------------------------------


def _alarm_edges(deployed: Deployed) -> Iterator[tuple[str, str, str]]:
    for stack_id, logical_id, alarm in deployed.resources("AWS::CloudWatch::Alarm"):
        properties = alarm["Properties"]
        alarm_arn = deployed.refs[stack_id][f"{logical_id}.Arn"]
        for state in ("AlarmActions", "OKActions", "InsufficientDataActions"):
            for action in properties.get(state, []):
                yield f"alarm {logical_id} ({state})", alarm_arn, str(deployed.value(stack_id, action))


def alarm_refusals(deployed: Deployed) -> list[str]:
    """CloudWatch publishes as its service principal, with the alarm as aws:SourceArn, and uses
    the topic's key with the same keys in its KMS requests
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-actions.html)."""
    edges = list(_alarm_edges(deployed))
    assert len(edges) >= 40
    refusals = []
    for what, alarm_arn, target in edges:
        context = _source("cloudwatch", alarm_arn)
        refusals += service_delivers(deployed, what, "cloudwatch.amazonaws.com", target, context, context)
    return refusals


def _event_targets(deployed: Deployed) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    for stack_id, logical_id, rule in deployed.resources("AWS::Events::Rule"):
        rule_arn = deployed.refs[stack_id][f"{logical_id}.Arn"]
        for target in rule["Properties"].get("Targets", []):
            yield stack_id, logical_id, deployed.value(stack_id, target), rule_arn


def rule_refusals(deployed: Deployed) -> list[str]:
    """EventBridge delivers as its service principal (the target's policy must let the rule in),
    or with the target's role (the role must trust EventBridge for this rule and may deliver).
    Its KMS requests for delivery carry no aws:SourceArn or aws:SourceAccount
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html,
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html)."""
    targets = list(_event_targets(deployed))
    assert len(targets) >= 2
    refusals = []
    for _, rule_id, target, rule_arn in targets:
        what = f"rule {rule_id} -> {target['Arn']}"
        if "RoleArn" in target:
            refusals += service_assumes(
                deployed, what, "events.amazonaws.com", target["RoleArn"], _source("events", rule_arn)
            )
            refusals += role_delivers(deployed, what, target["RoleArn"], target["Arn"])
        else:
            refusals += service_delivers(
                deployed, what, "events.amazonaws.com", target["Arn"], _source("events", rule_arn), {}
            )
        if "DeadLetterConfig" in target:
            refusals += service_delivers(
                deployed,
                f"{what} (dead letters)",
                "events.amazonaws.com",
                target["DeadLetterConfig"]["Arn"],
                _source("events", rule_arn),
                {},
            )
    return refusals


def schedule_refusals(deployed: Deployed) -> list[str]:
    """EventBridge Scheduler always uses the schedule's role: the role trusts Scheduler for this
    schedule, may invoke the target and send to the dead-letter queue, and use its key through SQS
    (https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role)."""
    schedules = list(deployed.resources("AWS::Scheduler::Schedule"))
    assert schedules
    refusals = []
    for stack_id, logical_id, schedule in schedules:
        target = deployed.value(stack_id, schedule["Properties"]["Target"])
        schedule_arn = deployed.refs[stack_id][f"{logical_id}.Arn"]
        what = f"schedule {logical_id}"
        role = target["RoleArn"]
        refusals += service_assumes(
            deployed, what, "scheduler.amazonaws.com", role, _source("scheduler", schedule_arn)
        )
        refusals += role_delivers(deployed, what, role, target["Arn"])
        if "DeadLetterConfig" in target:
            refusals += role_delivers(
                deployed, f"{what} (dead letters)", role, target["DeadLetterConfig"]["Arn"]
            )
    return refusals


def stream_refusals(deployed: Deployed) -> list[str]:
    """Lambda polls the stream with the function's role, decrypts through DynamoDB with the
    table's key, and writes batches that failed for good to the on-failure destination with the
    same role."""
    mappings = list(deployed.resources("AWS::Lambda::EventSourceMapping"))
    assert mappings
    refusals = []
    for stack_id, logical_id, mapping in mappings:
        properties = deployed.value(stack_id, mapping["Properties"])
        function = deployed.find(properties["FunctionName"])
        assert function is not None
        role = _function_role(deployed, deployed.refs[function[0]][f"{function[1]}.Arn"])
        stream = properties["EventSourceArn"]
        what = f"event source mapping {logical_id}"
        for action in STREAM_READ_ACTIONS:
            refusals += role_may(deployed, what, role, action, stream, {})
        table_arn = stream.split("/stream/")[0]
        key = _key_of(deployed, table_arn)
        if key is not None:
            refusals += role_uses_key(
                deployed,
                what,
                role,
                key,
                ("kms:Decrypt",),
                "dynamodb",
                {"kms:EncryptionContext:aws:dynamodb:tableName": table_arn.rsplit("/", 1)[1]},
            )
        destination = properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if destination is None:
            continue
        if destination.startswith("arn:aws:s3:::"):
            what = f"{what} (on-failure destination)"
            refusals += role_may(
                deployed, what, role, "s3:PutObject", f"{destination}/{S3_DESTINATION_KEY}", {}
            )
            refusals += role_may(deployed, what, role, "s3:ListBucket", destination, {})
            key = _key_of(deployed, destination)
            if key is not None:
                refusals += role_uses_key(
                    deployed,
                    what,
                    role,
                    key,
                    ("kms:GenerateDataKey",),
                    "s3",
                    {"kms:EncryptionContext:aws:s3:arn": destination},
                )
        else:
            refusals += role_delivers(deployed, f"{what} (on-failure destination)", role, destination)
    return refusals


def dead_letter_refusals(deployed: Deployed) -> list[str]:
    """Lambda sends a failed asynchronous event to the function's dead-letter queue or
    destination with the function's role (https://docs.aws.amazon.com/lambda/latest/dg/
    invocation-async-retain-records.html)."""
    edges = []
    for stack_id, logical_id, function in deployed.resources("AWS::Lambda::Function"):
        properties = deployed.value(stack_id, function["Properties"])
        if "DeadLetterConfig" in properties:
            edges.append(
                (
                    f"function {logical_id} (dead letters)",
                    properties["Role"],
                    properties["DeadLetterConfig"]["TargetArn"],
                )
            )
    for stack_id, logical_id, config in deployed.resources("AWS::Lambda::EventInvokeConfig"):
        properties = deployed.value(stack_id, config["Properties"])
        invoked = deployed.find(properties["FunctionName"])
        assert invoked is not None
        role = _function_role(deployed, deployed.refs[invoked[0]][f"{invoked[1]}.Arn"])
        for outcome, destination in properties.get("DestinationConfig", {}).items():
            edges.append((f"{logical_id} ({outcome})", role, destination["Destination"]))
    assert len(edges) >= 2
    refusals = [
        refusal for what, role, target in edges for refusal in role_delivers(deployed, what, role, target)
    ]
    return refusals


def log_key_refusals(deployed: Deployed) -> list[str]:
    """CloudWatch Logs uses the key as its regional service principal, naming the log group (its
    ARN without ``:*``) in the encryption context."""
    refusals = []
    groups = [
        (stack_id, logical_id)
        for stack_id, logical_id, group in deployed.resources("AWS::Logs::LogGroup")
        if "KmsKeyId" in group["Properties"]
    ]
    assert len(groups) >= 8
    for stack_id, logical_id in groups:
        arn = deployed.refs[stack_id][f"{logical_id}.Arn"]
        key = _key_of(deployed, arn)
        assert key is not None
        for action in LOGS_KEY_ACTIONS:
            request = Request(
                f"logs.{REGION}.amazonaws.com",
                action,
                key,
                {"kms:EncryptionContext:aws:logs:arn": arn.removesuffix(":*")},
            )
            if not allowed(request, resource_policy=_key_policy(deployed, key), key_policy=True):
                refusals.append(f"log group {logical_id}: {describe(request)}")
    return refusals


def _api_paths(deployed: Deployed, stack_id: str) -> dict[str, str]:
    """Each API resource's path, from its parents (the root resource is ``/``)."""
    resources = {
        logical_id: resource["Properties"]
        for _, logical_id, resource in deployed.resources("AWS::ApiGateway::Resource")
    }
    paths: dict[str, str] = {}

    def path(reference: Any) -> str:
        if "Fn::GetAtt" in reference:  # the API's RootResourceId
            return ""
        logical_id = reference["Ref"]
        if logical_id not in paths:
            properties = resources[logical_id]
            paths[logical_id] = f"{path(properties['ParentId'])}/{properties['PathPart']}"
        return paths[logical_id]

    for logical_id in resources:
        path({"Ref": logical_id})
    del stack_id
    return paths


def _concrete(path: str) -> str:
    """A request path for a resource path: each {parameter} given a value, {proxy+} two segments."""
    parts = []
    for part in path.split("/"):
        if part.endswith("+}"):
            parts.append("static/app.css")
        elif part.startswith("{"):
            parts.append("0b9e1c1e-1d1f-4a1b-8c1d-1e1f1a1b1c1d")
        else:
            parts.append(part)
    return "/".join(parts)


def _api_invokes(deployed: Deployed, what: str, function: str, source: str) -> list[str]:
    request = Request(
        "apigateway.amazonaws.com",
        "lambda:InvokeFunction",
        function,
        {"aws:SourceArn": source, "aws:SourceAccount": ACCOUNT},
    )
    if allowed(request, resource_policy=lambda_permission_policy(deployed, function)):
        return []
    return [f"{what}: {describe(request)}"]


def _invoked_function(uri: str) -> str:
    return uri.split("/functions/", 1)[1].removesuffix("/invocations")


def api_refusals(deployed: Deployed) -> list[str]:
    """API Gateway invokes a Lambda integration as its service principal with the method's
    execute-api ARN as aws:SourceArn (``<api>/<stage>/<METHOD>/<path>``), an authorizer with
    ``<api>/authorizers/<id>`` (https://docs.aws.amazon.com/apigateway/latest/developerguide/
    arn-format-reference.html)."""
    refusals = []
    execute_api = f"arn:aws:execute-api:{REGION}:{ACCOUNT}"
    stages = [
        deployed.refs[stack_id][stage_id]
        for stack_id, stage_id, _ in deployed.resources("AWS::ApiGateway::Stage")
    ]
    methods = 0
    for stack_id, logical_id, method in deployed.resources("AWS::ApiGateway::Method"):
        properties = method["Properties"]
        uri = str(deployed.value(stack_id, properties.get("Integration", {}).get("Uri", "")))
        if ":lambda:path/" not in uri:
            continue
        methods += 1
        api = deployed.value(stack_id, properties["RestApiId"])
        resource = properties["ResourceId"]
        path = "" if "Fn::GetAtt" in resource else _api_paths(deployed, stack_id)[resource["Ref"]]
        for stage in stages:
            source = f"{execute_api}:{api}/{stage}/{properties['HttpMethod']}{_concrete(path) or '/'}"
            refusals += _api_invokes(deployed, f"method {logical_id}", _invoked_function(uri), source)
    authorizers = list(deployed.resources("AWS::ApiGateway::Authorizer"))
    for stack_id, logical_id, authorizer in authorizers:
        properties = deployed.value(stack_id, authorizer["Properties"])
        source = f"{execute_api}:{properties['RestApiId']}/authorizers/{deployed.refs[stack_id][logical_id]}"
        refusals += _api_invokes(
            deployed, f"authorizer {logical_id}", _invoked_function(properties["AuthorizerUri"]), source
        )
    assert methods >= 20 and stages and authorizers
    return refusals


def rotation_refusals(deployed: Deployed) -> list[str]:
    """Secrets Manager invokes the rotation function as its service principal with the secret as
    aws:SourceArn (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html)."""
    schedules = list(deployed.resources("AWS::SecretsManager::RotationSchedule"))
    assert schedules
    refusals = []
    for stack_id, logical_id, schedule in schedules:
        properties = deployed.value(stack_id, schedule["Properties"])
        function = properties["RotationLambdaARN"]
        request = Request(
            "secretsmanager.amazonaws.com",
            "lambda:InvokeFunction",
            function,
            _source("secretsmanager", properties["SecretId"]),
        )
        if not allowed(request, resource_policy=lambda_permission_policy(deployed, function)):
            refusals.append(f"rotation {logical_id}: {describe(request)}")
    return refusals


def access_log_refusals(deployed: Deployed) -> list[str]:
    """The logging service principal puts each log object under the prefix, with the source
    bucket as aws:SourceArn; the target bucket must be encrypted with SSE-S3 and have no Object
    Lock, or S3 delivers nothing (https://docs.aws.amazon.com/AmazonS3/latest/userguide/
    enable-server-access-logging.html)."""
    refusals = []
    logged = 0
    for stack_id, logical_id, bucket in deployed.resources("AWS::S3::Bucket"):
        logging = bucket["Properties"].get("LoggingConfiguration")
        if not logging:
            continue
        logged += 1
        source = deployed.refs[stack_id][f"{logical_id}.Arn"]
        target_name = deployed.value(stack_id, logging["DestinationBucketName"])
        target = f"arn:aws:s3:::{target_name}"
        prefix = logging.get("LogFilePrefix", "")
        request = Request(
            "logging.s3.amazonaws.com",
            "s3:PutObject",
            f"{target}/{prefix}{SAMPLE_OBJECT}",
            {**S3_OVER_TLS, **_source("s3", source)},
        )
        if not allowed(request, resource_policy=_resource_policy(deployed, target)):
            refusals.append(f"bucket {logical_id}: {describe(request)}")
        found = deployed.find(target_name)
        assert found is not None
        target_properties = found[2]["Properties"]
        if _key_of(deployed, target) is not None:
            refusals.append(f"bucket {logical_id}: its access log bucket is encrypted with SSE-KMS")
        if target_properties.get("ObjectLockEnabled"):
            refusals.append(f"bucket {logical_id}: its access log bucket has Object Lock")
    assert logged >= 3
    return refusals


def replication_refusals(deployed: Deployed) -> list[str]:
    """S3 assumes the replication role, reads the source's versions and writes replicas to the
    destination, which must be versioned."""
    refusals = []
    replicated = 0
    for stack_id, logical_id, bucket in deployed.resources("AWS::S3::Bucket"):
        configuration = bucket["Properties"].get("ReplicationConfiguration")
        if not configuration:
            continue
        replicated += 1
        configuration = deployed.value(stack_id, configuration)
        source = deployed.refs[stack_id][f"{logical_id}.Arn"]
        role = configuration["Role"]
        what = f"bucket {logical_id} replication"
        refusals += service_assumes(deployed, what, "s3.amazonaws.com", role, _source("s3", source))
        for action in REPLICATION_SOURCE_BUCKET_ACTIONS:
            refusals += role_may(deployed, what, role, action, source, {})
        for action in REPLICATION_SOURCE_OBJECT_ACTIONS:
            refusals += role_may(deployed, what, role, action, f"{source}/{SAMPLE_OBJECT}", {})
        for rule in configuration["Rules"]:
            destination = rule["Destination"]["Bucket"]
            for action in REPLICATION_DESTINATION_OBJECT_ACTIONS:
                refusals += role_may(deployed, what, role, action, f"{destination}/{SAMPLE_OBJECT}", {})
            found = deployed.find(destination, "Arn")
            assert found is not None
            if found[2]["Properties"].get("VersioningConfiguration", {}).get("Status") != "Enabled":
                refusals.append(f"{what}: the destination {destination} is not versioned")
    assert replicated >= 1
    return refusals


EDGES = {
    "alarm -> topic": alarm_refusals,
    "rule -> target, dead-letter queue": rule_refusals,
    "schedule -> function, dead-letter queue": schedule_refusals,
    "stream -> function, failure destination": stream_refusals,
    "function -> dead-letter queue": dead_letter_refusals,
    "logs -> key": log_key_refusals,
    "API Gateway -> function": api_refusals,
    "Secrets Manager -> rotation function": rotation_refusals,
    "S3 access logs -> log bucket": access_log_refusals,
    "S3 replication -> archive": replication_refusals,
}


@pytest.mark.parametrize("edge", EDGES)
def test_aws_would_allow_every_call_of_the_edge(deployed: Deployed, edge: str) -> None:
    assert_none_refused(EDGES[edge](deployed))


# Negative controls: the same checks over a copy of the templates with one grant taken away.

Templates = dict[str, dict[str, Any]]


def _mutated(synthesized: Synthesized, change: Callable[[Templates], None]) -> Deployed:
    templates = copy.deepcopy(synthesized.templates)
    change(templates)
    return Deployed(dataclasses.replace(synthesized, templates=templates))


def _drop_resources(
    kind: str, unless: Callable[[dict[str, Any]], bool] = lambda _: False
) -> Callable[[Templates], None]:
    def change(templates: Templates) -> None:
        for template in templates.values():
            for logical_id in [
                logical_id
                for logical_id, resource in template["Resources"].items()
                if resource["Type"] == kind and not unless(resource)
            ]:
                del template["Resources"][logical_id]

    return change


def _drop_statements(
    kind: str, document: str, match: Callable[[dict[str, Any]], bool]
) -> Callable[[Templates], None]:
    def change(templates: Templates) -> None:
        for template in templates.values():
            for resource in template["Resources"].values():
                if resource["Type"] == kind:
                    policy = resource["Properties"][document]
                    policy["Statement"] = [s for s in policy["Statement"] if not match(s)]

    return change


def _names(statement: dict[str, Any], text: str) -> bool:
    return text in json.dumps(statement)


@pytest.mark.parametrize(
    ("edge", "change", "expected"),
    [
        (
            "rule -> target, dead-letter queue",
            _drop_resources("AWS::Lambda::Permission"),
            "lambda:InvokeFunction",
        ),
        (
            "rule -> target, dead-letter queue",
            _drop_statements("AWS::KMS::Key", "KeyPolicy", lambda s: _names(s, "events.amazonaws.com")),
            "the key policy refuses events.amazonaws.com",
        ),
        (
            "rule -> target, dead-letter queue",
            _drop_statements("AWS::SQS::QueuePolicy", "PolicyDocument", lambda s: s["Effect"] == "Allow"),
            "sqs:SendMessage",
        ),
        (
            "schedule -> function, dead-letter queue",
            _drop_statements(
                "AWS::IAM::Policy", "PolicyDocument", lambda s: _names(s, "lambda:InvokeFunction")
            ),
            "lambda:InvokeFunction",
        ),
        (
            "schedule -> function, dead-letter queue",
            _drop_statements("AWS::IAM::Role", "AssumeRolePolicyDocument", lambda s: _names(s, "scheduler")),
            "trust policy refuses scheduler.amazonaws.com",
        ),
        (
            "stream -> function, failure destination",
            _drop_statements("AWS::IAM::Policy", "PolicyDocument", lambda s: s["Action"] == "s3:PutObject"),
            "s3:PutObject",
        ),
        (
            "logs -> key",
            _drop_statements("AWS::KMS::Key", "KeyPolicy", lambda s: _names(s, "logs.")),
            "kms:Encrypt",
        ),
        (
            "API Gateway -> function",
            _drop_resources("AWS::Lambda::Permission", unless=lambda r: "/authorizers/" not in json.dumps(r)),
            "authorizer",
        ),
        (
            "S3 access logs -> log bucket",
            _drop_statements("AWS::S3::BucketPolicy", "PolicyDocument", lambda s: s["Effect"] == "Allow"),
            "logging.s3.amazonaws.com",
        ),
    ],
)
def test_a_missing_grant_is_refused(
    synthesized: Synthesized, edge: str, change: Callable[[Templates], None], expected: str
) -> None:
    refusals = EDGES[edge](_mutated(synthesized, change))
    assert any(expected in refusal for refusal in refusals), refusals[:3]
